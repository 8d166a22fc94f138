/**
 * Planning an ad-hoc run: the first contact with the server, before any row is read. The statement
 * it wraps is probed with zero rows for its columns, so a `--select` or `--key` column it does not
 * return is refused (exit 2) naming the column and listing the real ones; then the generated SELECT
 * is planned as a source is (extract/plan.ts: its own zero-row probe, keyset order on the key, the
 * date range on the source's date_column). A statement the server rejects is a usage error naming
 * the flag; a connection that fails is a run failure with the connection's hint.
 */
import path from 'node:path';
import type { LoadedConfig } from '../config/load.js';
import type { SourceConfig } from '../config/schema.js';
import { didYouMean } from '../config/suggest.js';
import { compileTemplate } from '../config/template.js';
import type { ConnectionSet, SourceConnection } from '../db/connection.js';
import type { Dialect } from '../db/dialect.js';
import { failureKind } from '../db/failure.js';
import { UsageError, isMohEtlError, type MohEtlError } from '../errors.js';
import { probeQuery } from '../extract/keyset.js';
import { planSource, type SourcePlan } from '../extract/plan.js';
import { selectedColumns, type AdhocRequest } from './adhoc.js';
import { asUserError, describeFailure } from './failure.js';

export interface AdhocPlan {
  conn: SourceConnection;
  plan: SourcePlan;
  /** What the run did that was not typed (columns added to --select), for the summary. */
  notes: string[];
}

/** `sql`: the generated SELECT, already checked (adhoc.ts `checkAdhocStatement`). */
export async function planAdhoc(
  loaded: LoadedConfig,
  connections: ConnectionSet,
  req: AdhocRequest,
  sql: string,
): Promise<AdhocPlan> {
  const { config } = loaded;
  const baseFlag = req.source ? undefined : '--sql';
  const fail = (e: unknown, flag: string | undefined) =>
    adhocFailure(e, loaded, req, flag, connections.dialectOf(req.connection));
  let conn: SourceConnection;
  let columns: string[];
  try {
    conn = connections.get(req.connection);
    const probe = probeQuery(conn.dialect, compileTemplate(req.base, req.params));
    columns = (await conn.dialect.query(conn.knex, probe.sql, probe.bindings)).columns.map((c) => c.name);
  } catch (e) {
    throw fail(e, baseFlag);
  }
  const what = req.source ? `source "${req.source}"` : '--sql';
  for (const [flag, names] of [
    ['--select', req.select ?? []],
    ['--key', req.source ? [] : req.key],
  ] as const)
    for (const c of names)
      if (!columns.includes(c))
        throw new UsageError(
          `${flag}: "${c}" is not a column of ${what}${didYouMean(c, columns)} (columns: ${columns.join(', ')})`,
        );

  const selected = selectedColumns(req);
  const kept = (c: string) => !selected || selected.columns.includes(c);
  const source: SourceConfig = {
    description: `ad hoc: ${what}`,
    enabled: true,
    connection: req.connection,
    params: req.params,
    primary_key: req.key,
    date_column: req.range ? req.dateColumn : undefined,
    mode: 'full',
    timezone: req.timezone,
    pii_columns: req.piiColumns.filter(kept),
  };
  try {
    const plan = await planSource(conn, {
      name: req.name,
      source,
      template: { sql, dialects: {} },
      mode: 'full',
      range: req.range,
      timeZone: config.extraction.timezone,
      batchSize: Math.min(config.extraction.batch_size, req.limit ?? Number.POSITIVE_INFINITY),
      configFile: path.relative(loaded.root, loaded.file) || loaded.file,
    });
    return { conn, plan, notes: notes(req, selected?.added ?? []).concat(plan.note ?? []) };
  } catch (e) {
    throw fail(e, req.where !== undefined ? '--where' : baseFlag);
  }
}

function notes(req: AdhocRequest, added: string[]): string[] {
  const key = added.filter((c) => req.key.includes(c));
  const date = added.filter((c) => !req.key.includes(c));
  return [
    ...(key.length ? [`added ${key.join(', ')} to --select: batches are read in order of the key`] : []),
    ...(date.length ? [`added ${date.join(', ')} to --select: the date range filters on it`] : []),
  ];
}

/**
 * A failure while planning, as the error the user sees. The server rejecting `--sql` or `--where`
 * (syntax, an unknown column, a cast, an attempt to write) is their mistake: exit 2, naming the flag.
 * A configured template it rejects is a configuration problem, as everywhere else; anything about
 * the connection is a run failure (exit 1) with the connection's hint.
 */
export function adhocFailure(
  e: unknown,
  loaded: LoadedConfig,
  req: AdhocRequest,
  flag: string | undefined,
  dialect: Dialect | undefined,
): MohEtlError {
  if (isMohEtlError(e)) return e;
  const kind = failureKind(dialect?.failureCodes, e);
  const context = { connection: req.connection, source: req.name, template: req.source };
  if (flag && (kind === 'query' || kind === 'data' || kind === 'read-only')) {
    const { message } = describeFailure(e, context, dialect);
    return new UsageError(`the server rejected ${flag}: ${message}`, {
      hint:
        kind === 'read-only'
          ? 'moh-etl runs every statement read-only: give a plain SELECT'
          : `${flag} names the columns of ${req.source ? `source "${req.source}"` : '--sql'}; \`--dry-run\` prints the statement`,
    });
  }
  return asUserError(
    e,
    { ...context, queriesFile: path.relative(loaded.root, loaded.queriesFile) || loaded.queriesFile },
    dialect,
  );
}
