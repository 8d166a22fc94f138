/**
 * A template (or an ad-hoc --sql) must be one read-only statement: a SELECT, or WITH … SELECT.
 * Two checks, both at config load:
 * - a lexer that knows string literals, quoted identifiers, comments and PostgreSQL dollar quotes
 *   refuses a second statement (`;`), a first word other than SELECT/WITH/VALUES, and the words that
 *   write or lock (INSERT, UPDATE, DELETE, MERGE, INTO, FOR UPDATE, DROP, …) outside literals;
 * - node-sql-parser, for the dialects it knows, must read exactly one SELECT with no INTO and no
 *   locking clause. A statement it cannot parse (vendor syntax it lacks) is left to the lexer.
 * The session is read-only as well (per statement where the database allows it): these checks
 * reject a mistake early, with its location; the read-only transaction is what enforces it.
 */
import type { ConnectionClient } from './schema.js';
import { sqlParser, type ParserDatabase } from './sql-parser.js';

/**
 * Words that make a SELECT-shaped statement write or lock: a data-modifying WITH (INSERT/UPDATE/
 * DELETE/MERGE), SELECT … INTO, DDL. Refused outside literals, comments and quoted identifiers
 * (all reserved words, so a column of that name has to be quoted anyway). Statement-level commands
 * (VACUUM, COPY, CALL, …) cannot follow the first word, which must be SELECT, WITH or VALUES.
 */
const WRITING = new Set([
  'INSERT',
  'UPDATE',
  'DELETE',
  'MERGE',
  'UPSERT',
  'TRUNCATE',
  'DROP',
  'ALTER',
  'CREATE',
  'GRANT',
  'REVOKE',
  'INTO',
]);
const FIRST = new Set(['SELECT', 'WITH', 'VALUES', '(']);
const PARSER_DATABASE: Partial<Record<ConnectionClient, ParserDatabase>> = {
  postgres: 'postgresql',
  mysql: 'mariadb',
  sqlite: 'sqlite',
  mssql: 'transactsql',
};

/** Why the statement is not one read-only SELECT, or undefined when it is. */
export function statementProblem(sql: string, client?: ConnectionClient): string | undefined {
  const tokens = words(sql, client === 'mysql');
  if (tokens.length === 0) return 'the statement is empty';
  if (tokens.includes(';')) return 'one statement only: remove the ";" (and anything after it)';
  if (!FIRST.has(tokens[0]!)) return `it must be a SELECT (or WITH … SELECT), not ${tokens[0]}`;
  for (let i = 0; i < tokens.length; i++) {
    const word = tokens[i]!;
    // A function of that name (replace(), a user function called update_x is one word) is fine.
    if (WRITING.has(word) && tokens[i + 1] !== '(')
      return `${word} is not allowed: moh-etl only reads (one SELECT)`;
    if (
      (word === 'FOR' && ['UPDATE', 'SHARE', 'NO', 'KEY'].includes(tokens[i + 1] ?? '')) ||
      (word === 'LOCK' && tokens[i + 1] === 'IN')
    )
      return 'FOR UPDATE/SHARE (LOCK IN SHARE MODE) takes locks on the source: remove it';
  }
  return parserProblem(sql, client);
}

/** node-sql-parser's verdict, where it knows the dialect and can read the statement. */
function parserProblem(sql: string, client?: ConnectionClient): string | undefined {
  const database = client ? PARSER_DATABASE[client] : undefined;
  if (!database) return undefined;
  let ast: unknown;
  try {
    ast = sqlParser(database).astify(sql, { database });
  } catch {
    return undefined; // syntax the parser lacks: the lexer's check above stands
  }
  const statements = (Array.isArray(ast) ? ast : [ast]) as {
    type?: string;
    into?: { expr?: unknown };
    locking_read?: unknown;
  }[];
  if (statements.length !== 1) return `one statement only, found ${statements.length}`;
  const s = statements[0]!;
  if (s.type !== 'select') return `it must be a SELECT, not ${String(s.type).toUpperCase()}`;
  if (s.into?.expr) return 'SELECT … INTO writes a table: remove INTO';
  if (s.locking_read) return 'FOR UPDATE/SHARE takes locks on the source: remove it';
  return undefined;
}

/**
 * The statement's words (upper case) and the punctuation that matters (`;`, `(`), with string
 * literals, quoted identifiers, comments and dollar-quoted bodies skipped.
 */
export function words(sql: string, backslashEscapes = false): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    const two = sql.slice(i, i + 2);
    if (two === '--') i = skipTo(sql, i, '\n');
    else if (two === '/*') i = skipTo(sql, i + 2, '*/');
    else if (c === "'" || c === '"' || c === '`') i = skipQuoted(sql, i, c, backslashEscapes);
    else if (c === '[') i = skipTo(sql, i, ']');
    else if (c === '$' && /^\$[A-Za-z_]*\$/.test(sql.slice(i))) {
      const tag = /^\$[A-Za-z_]*\$/.exec(sql.slice(i))![0];
      i = skipTo(sql, i + tag.length, tag);
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_$]*/.exec(sql.slice(i))![0];
      out.push(m.toUpperCase());
      i += m.length;
    } else {
      if (c === ';' || c === '(') out.push(c);
      i++;
    }
  }
  return out;
}

function skipTo(sql: string, from: number, end: string): number {
  const at = sql.indexOf(end, from);
  return at < 0 ? sql.length : at + end.length;
}

/** Past a quoted literal or identifier; a doubled quote is an escaped quote (and \' in MySQL). */
function skipQuoted(sql: string, start: number, quote: string, backslashEscapes: boolean): number {
  let i = start + 1;
  while (i < sql.length) {
    if (backslashEscapes && sql[i] === '\\' && quote !== '`') i += 2;
    else if (sql[i] === quote) {
      if (sql[i + 1] === quote) i += 2;
      else return i + 1;
    } else i++;
  }
  return i;
}
