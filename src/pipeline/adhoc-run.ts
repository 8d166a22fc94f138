/**
 * Running an ad-hoc extraction: keyset batches of the planned SELECT (extract/batches.ts) into a
 * sink (adhoc-sinks.ts), stopping after `--limit` rows. It keeps no state: no watermark, no
 * checkpoint, no lock, no run record, so a configured source's incremental state and unfinished
 * run are never read or touched, whatever the ad-hoc run derives from. What it does not keep it
 * cannot resume either: a failed or stopped run removes what it wrote and starts over next time.
 *
 * With `--limit`, no batch asks for more rows than remain, so at most the one batch the reader
 * prefetches past the last is read and dropped. Without a key (`--sql` without `--key`, allowed up
 * to `--limit` ≤ batch_size) the rows come from one statement.
 */
import type { Writable } from 'node:stream';
import type { LoadedConfig } from '../config/load.js';
import { ReconciliationError, RunInterrupted } from '../errors.js';
import { readBatches } from '../extract/batches.js';
import { todayIn } from '../extract/date-range.js';
import { countQuery, type SqlFragment } from '../extract/keyset.js';
import type { Dialect } from '../db/dialect.js';
import type { SourcePlan } from '../extract/plan.js';
import type { Logger } from '../observe/logger.js';
import type { RowBatch } from '../schema/column-types.js';
import { rowCount } from '../schema/column-types.js';
import type { AdhocRequest } from './adhoc.js';
import type { OutputTarget } from './adhoc-output.js';
import type { AdhocPlan } from './adhoc-plan.js';
import { openSink, type AdhocSink, type SinkResult } from './adhoc-sinks.js';

export interface AdhocRunOptions {
  runId: string;
  started: Date;
  /** Stop after the batch being written; the run is interrupted and leaves nothing. */
  signal?: AbortSignal;
  /** Standard output, for a `stdout` target (default process.stdout). */
  stream?: Writable;
}

export interface AdhocOutcome extends SinkResult {
  rows: number;
  /** Things the user should know that did not stop the run. */
  warnings: string[];
}

export async function runAdhoc(
  loaded: LoadedConfig,
  req: AdhocRequest,
  target: OutputTarget,
  planned: AdhocPlan,
  options: AdhocRunOptions,
  log: Logger,
): Promise<AdhocOutcome> {
  const { plan } = planned;
  const sink = await openSink(target, {
    columns: plan.columns,
    output: loaded.config.output,
    stream: options.stream,
    extractDate: todayIn(loaded.config.extraction.timezone, options.started),
    manifest: {
      run_id: options.runId,
      source: req.name,
      mode: plan.mode,
      range: plan.range,
      key_columns: [...plan.orderColumns],
      started_at: options.started.toISOString(),
    },
    keyIndexes: plan.orderColumns.map((c) => plan.columns.findIndex((col) => col.name === c)),
  });
  try {
    const rows = await copy(planned, req, sink, options);
    const warnings = await keyCheck(planned, req, rows);
    const result = await sink.finish();
    log.info({ source: req.name, rows, files: result.files.length }, 'ad-hoc extraction finished');
    return { ...result, rows, warnings };
  } catch (e) {
    await sink.abort();
    throw e;
  }
}

async function copy(
  planned: AdhocPlan,
  req: AdhocRequest,
  sink: AdhocSink,
  options: AdhocRunOptions,
): Promise<number> {
  let rows = 0;
  for await (const batch of batches(planned, req, sink)) {
    const n = rowCount(batch);
    const room = req.limit === undefined ? n : Math.min(n, req.limit - rows);
    // A cut batch loses the server's bytes: they describe every row of it.
    const written = room < n ? { columns: batch.columns, rows: batch.rows.slice(0, room) } : batch;
    if (room > 0) await sink.write(written, batch.endsPart === true);
    rows += room;
    if (req.limit !== undefined && rows >= req.limit) break;
    if (options.signal?.aborted)
      throw new RunInterrupted(
        `ad-hoc extraction "${req.name}" stopped after ${rows} rows; no file was kept`,
        typeof options.signal.reason === 'string' ? options.signal.reason : undefined,
        { hint: 'run the same command again: an ad-hoc run starts over' },
      );
  }
  return rows;
}

function batches(
  { conn, plan }: AdhocPlan,
  req: AdhocRequest,
  sink: AdhocSink,
): AsyncIterable<RowBatch & { endsPart?: boolean }> {
  if (plan.orderColumns.length > 0)
    return readBatches(conn, plan, undefined, { encoded: sink.encodedRows, cut: sink.cut });
  return oneStatement(plan, conn, req.limit!);
}

async function* oneStatement(
  plan: SourcePlan,
  conn: AdhocPlan['conn'],
  limit: number,
): AsyncGenerator<RowBatch> {
  const q = oneStatementQuery(plan, conn.dialect, limit);
  const result = await conn.dialect.query(conn.knex, q.sql, q.bindings);
  yield { columns: plan.columns, rows: result.rows };
}

/** The statement of a run without a key: the first `limit` rows, in the server's order. */
export function oneStatementQuery(plan: SourcePlan, dialect: Dialect, limit: number): SqlFragment {
  const where = plan.filters.length ? ` WHERE ${plan.filters.map((f) => f.sql).join(' AND ')}` : '';
  return {
    sql: dialect.limitRows(`SELECT * FROM (${plan.template.sql}) q${where}`, limit),
    bindings: [...plan.template.bindings, ...plan.filters.flatMap((f) => f.bindings)],
  };
}

/**
 * A `--key` the user named may not be unique, and keyset batches skip the rows that share a key
 * with the last row of a batch. A whole read is counted again: more rows in the source than were
 * written is refused (the files are removed). A `--limit` sample is not checked: it is a sample.
 */
async function keyCheck(planned: AdhocPlan, req: AdhocRequest, rows: number): Promise<string[]> {
  const { conn, plan } = planned;
  if (req.source || req.limit !== undefined || plan.orderColumns.length === 0) return [];
  const q = countQuery(conn.dialect, plan);
  const counted = Number((await conn.dialect.query(conn.knex, q.sql, q.bindings)).rows[0]?.[0] ?? 0);
  const key = req.key.join(', ');
  if (counted > rows)
    throw new ReconciliationError(
      `--sql returned ${counted} rows but ${rows} were read in order of --key ${key}: the key is not unique or holds NULLs (or rows were added while reading)`,
      {
        hint: 'name columns that identify one row, never NULL, with --key (rows sharing a key at a batch boundary are skipped)',
      },
    );
  return counted < rows ? [`${rows - counted} rows were removed from the source while it was read`] : [];
}
