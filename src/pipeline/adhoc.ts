/**
 * An ad-hoc extraction is a derived, ephemeral source: a statement typed on the command line
 * (`--sql`), or a configured source's template narrowed by `--select` and `--where`, with values
 * bound from `--param`. This file builds and checks its one SELECT before anything connects:
 *
 *   SELECT <--select columns | *> FROM (
 *   <--sql, or the source's template>
 *   ) s WHERE (
 *   <--where>
 *   )
 *
 * The statement is checked as a template is at config load (one SELECT, no writing or locking
 * words: statement-check.ts), each flag on its own first so the message names the flag that is
 * wrong, then the whole generated SELECT. Every `:name` must have a value and every `--param` a
 * `:name`; values are bound, never spliced. The read-only transaction still wraps every statement.
 */
import type { ConnectionClient } from '../config/schema.js';
import { statementProblem, words } from '../config/statement-check.js';
import { outerPagingClauses, templateBindings } from '../config/template.js';
import type { Dialect } from '../db/dialect.js';
import { UsageError } from '../errors.js';
import type { DateRange } from '../extract/date-range.js';

/** A bound value: digits without a leading zero bind as an integer (as in `params:`), the rest as text. */
export type AdhocValue = string | number | boolean;

export interface AdhocRequest {
  /** Names the files and log lines: `--name`, else the configured source, else `adhoc`. */
  name: string;
  /** The configured source it derives from; undefined for `--sql`. */
  source?: string;
  connection: string;
  /** The statement wrapped: `--sql`, or the source's template for this connection's dialect. */
  base: string;
  /** The unique key for keyset batches: `--key`, or the source's primary_key. Empty: one statement (`--limit` ≤ batch_size). */
  key: string[];
  /** `--select`, as typed (the key and the date column are added when missing: see `selectedColumns`). */
  select?: string[];
  where?: string;
  /** Values for every `:name`: the source's `params`, overridden by `--param`. */
  params: Record<string, AdhocValue>;
  /** The names given with `--param` (each must be used). */
  given: string[];
  /** Stop after this many rows. */
  limit?: number;
  range?: DateRange;
  /** The source's date_column, which a range filters on. */
  dateColumn?: string;
  timezone?: string;
  piiColumns: string[];
}

/** The flag a part of the statement came from, for messages. */
const baseFlag = (req: AdhocRequest): string =>
  req.source ? `the template of source "${req.source}"` : '--sql';

/**
 * The columns `--select` reads: as typed, with the key columns (keyset batches need them) and the
 * date column of a range added in front when missing. `added` says which were added.
 */
export function selectedColumns(req: AdhocRequest): { columns: string[]; added: string[] } | undefined {
  if (!req.select) return undefined;
  const needed = [...req.key, ...(req.range && req.dateColumn ? [req.dateColumn] : [])];
  const added = [...new Set(needed.filter((c) => !req.select!.includes(c)))];
  return { columns: [...added, ...new Set(req.select)], added };
}

/** The generated SELECT, with `:name` bindings still in it. */
export function adhocStatement(req: AdhocRequest, dialect: Pick<Dialect, 'quoteIdentifier'>): string {
  const selected = selectedColumns(req);
  const list = selected ? selected.columns.map((c) => `s.${dialect.quoteIdentifier(c)}`).join(', ') : '*';
  // Line breaks, so a trailing `-- comment` in the statement or the predicate ends at its line.
  const where = req.where === undefined ? '' : ` WHERE (\n${req.where}\n)`;
  return `SELECT ${list} FROM (\n${req.base}\n) s${where}`;
}

/**
 * Refuse, before any connection is made, a statement that is not one read-only SELECT, a `--where`
 * that is not one predicate, and bindings that do not match the `--param` values.
 */
export function checkAdhocStatement(
  req: AdhocRequest,
  client: ConnectionClient,
  dialect: Pick<Dialect, 'quoteIdentifier'>,
): string {
  if (!req.source) {
    refuseIf('--sql', statementProblem(req.base, client));
    const paging = outerPagingClauses(req.base);
    if (paging.length > 0)
      throw new UsageError(
        `--sql refused (nothing was sent to the server): remove ${paging.join(', ')}; rows come in --key order, and --limit N stops after N rows`,
      );
  }
  if (req.where !== undefined) refuseIf('--where', predicateProblem(req.where, client));
  const sql = adhocStatement(req, dialect);
  refuseIf(req.where !== undefined ? '--where' : baseFlag(req), statementProblem(sql, client));
  checkBindings(req, sql);
  return sql;
}

/**
 * Rows are read in batches ordered by a unique key (never OFFSET): `--sql` without `--key` is
 * allowed only for a `--limit` one statement can read, in the server's order.
 */
export function requireKey(req: AdhocRequest, batchSize: number): void {
  if (req.key.length > 0 || (req.limit !== undefined && req.limit <= batchSize)) return;
  throw new UsageError(
    '--sql needs --key COLUMN[,COLUMN] naming a unique key: moh-etl reads in batches ordered by the key (never OFFSET)',
    {
      hint: `without a key, only --limit N up to extraction.batch_size (${batchSize}) reads in one statement`,
    },
  );
}

function refuseIf(flag: string, problem: string | undefined): void {
  if (problem) throw new UsageError(`${flag} refused (nothing was sent to the server): ${problem}`);
}

/**
 * `--where` must be one predicate: no `;`, no writing words, parentheses that balance, and no
 * clause that would end the WHERE (ORDER BY, LIMIT, UNION…). Its text is never quoted back: it may
 * hold a patient identifier.
 */
export function predicateProblem(predicate: string, client?: ConnectionClient): string | undefined {
  if (predicate.replace(/--[^\n]*|\/\*[\s\S]*?\*\//g, '').trim() === '') return 'the predicate is empty';
  const tokens = words(predicate, client === 'mysql');
  if (tokens.includes(';')) return 'a predicate is one condition: remove the ";" (and anything after it)';
  const masked = maskLiterals(predicate, client === 'mysql');
  let depth = 0;
  let outer = '';
  for (const ch of masked) {
    if (ch === '(') depth++;
    else if (ch === ')' && --depth < 0) return 'a ")" closes a parenthesis the predicate did not open';
    else if (depth === 0) outer += ch;
  }
  if (depth > 0) return 'a "(" is not closed';
  const clause = /\b(ORDER\s+BY|GROUP\s+BY|HAVING|LIMIT|OFFSET|FETCH|UNION|INTERSECT|EXCEPT|MINUS)\b/i.exec(
    outer,
  );
  if (clause)
    return `${clause[1]!.toUpperCase().replace(/\s+/g, ' ')} does not belong in a predicate${/LIMIT|FETCH|OFFSET/i.test(clause[1]!) ? ' (use --limit)' : ''}`;
  return undefined;
}

/** Blank out literals, quoted identifiers and comments (keeping offsets), so their brackets do not count. */
function maskLiterals(sql: string, backslashEscapes: boolean): string {
  const text = backslashEscapes ? String.raw`'(?:[^'\\]|''|\\.)*'` : `'(?:[^']|'')*'`;
  const pattern = new RegExp(
    `${text}|"(?:[^"]|"")*"|\`(?:[^\`]|\`\`)*\`|\\[[^\\]]*\\]|--[^\\n]*|/\\*[\\s\\S]*?\\*/`,
    'g',
  );
  return sql.replace(pattern, (s) => ' '.repeat(s.length));
}

/** Every `:name` has a value, and every `--param` names a `:name` somewhere in the statement. */
function checkBindings(req: AdhocRequest, sql: string): void {
  const used = templateBindings(sql);
  const missing = used.find((n) => !Object.hasOwn(req.params, n));
  if (missing !== undefined) {
    const where =
      req.where !== undefined && templateBindings(req.where).includes(missing) ? '--where' : baseFlag(req);
    throw new UsageError(`:${missing} in ${where} has no value`, {
      hint: `add --param ${missing}=VALUE (values are bound, never spliced into the SQL)`,
    });
  }
  const unused = req.given.find((n) => !used.includes(n));
  if (unused !== undefined)
    throw new UsageError(
      `--param ${unused}: there is no :${unused} in ${[baseFlag(req), ...(req.where !== undefined ? ['--where'] : [])].join(' or ')}`,
      { hint: used.length ? `the statement binds ${used.map((n) => `:${n}`).join(', ')}` : undefined },
    );
}
