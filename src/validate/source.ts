/**
 * All checks of one source: one aggregate scan for the counting checks, a GROUP BY per unique
 * check, an anti-join per reference, the stream engine over the rows when a check needs it (or the
 * tallies the extract pass already collected), then thresholds, history and the report object.
 */
import path from 'node:path';
import type { LoadedConfig } from '../config/load.js';
import { compileTemplate } from '../config/template.js';
import type { SourceConnection } from '../db/connection.js';
import { readBatches } from '../extract/batches.js';
import type { SqlFragment } from '../extract/keyset.js';
import type { Logger } from '../observe/logger.js';
import type { CellValue } from '../schema/column-types.js';
import { compileChecks, type CheckPlan } from './compile.js';
import { errored, evaluate } from './evaluate.js';
import { MetricsStore } from './history.js';
import { maskedColumns, masker } from './mask.js';
import {
  REPORT_VERSION,
  type CheckResult,
  type DayCount,
  type SampleRow,
  type SourceReport,
} from './result.js';
import { sourceRowValidator } from './row/for-source.js';
import type { RowValidator } from './row/validator.js';
import { rowCountResults } from './row-count.js';
import { scopedPlan, type CheckScope, type ScopedPlan } from './scope.js';
import { aggregateScan, sampleRows, type AggregateCounts } from './sql/aggregate.js';
import { col, type PredicateContext } from './sql/predicates.js';
import { countDuplicates, countOrphans, duplicateSamples, orphanSamples } from './sql/sets.js';
import { impactOf, worst } from './threshold.js';

export interface SourceValidation {
  loaded: LoadedConfig;
  conn: SourceConnection;
  name: string;
  scope: CheckScope;
  runId: string;
  now: Date;
  log: Logger;
  /**
   * Row checks already run in the extract pass (pipeline/row-checks.ts): used when they saw exactly
   * the rows written and the scope still counts that many; otherwise the scope is streamed here.
   */
  streamed?: RowValidator;
}

export async function validateSource(v: SourceValidation): Promise<SourceReport> {
  const t0 = Date.now();
  const { config } = v.loaded;
  const source = config.sources[v.name]!;
  const settings = config.validation;
  const scoped = await scopedPlan(v.loaded, v.conn, v.name, v.scope);
  const { plan } = scoped;
  const plans = compileChecks(settings.sources[v.name] ?? [], plan.columns);
  const ctx: PredicateContext = {
    dialect: v.conn.dialect,
    columns: plan.columns,
    now: v.now,
    timeZone: settings.timezone ?? config.extraction.timezone,
  };
  const mask = masker(
    maskedColumns(
      settings.mask_columns,
      source.pii_columns,
      plan.columns.map((c) => c.name),
    ),
  );
  // The row stream and the SQL checks run at the same time, on two pooled connections: the stream
  // mostly waits on the server, which can run the aggregate scans meanwhile. (Measured on the shared
  // 2-core machine, 1M rows: a small gain, within its noise; more where the server has cores.)
  const abort = new AbortController();
  const reused = v.streamed && coversWritten(v, v.streamed, plans) ? v.streamed : undefined;
  const streaming = reused ? Promise.resolve(reused) : streamRows(v, scoped, ctx.now, abort.signal);
  streaming.catch(() => undefined); // rethrown where it is awaited
  try {
    return await checkAll(v, scoped, plans, mask, ctx, streaming, t0, abort.signal);
  } catch (e) {
    // Stop reading before the caller closes the connections under the stream.
    abort.abort();
    await streaming.catch(() => undefined);
    throw e;
  }
}

async function checkAll(
  v: SourceValidation,
  scoped: ScopedPlan,
  plans: CheckPlan[],
  mask: (r: SampleRow) => SampleRow,
  ctx: PredicateContext,
  streaming: Promise<RowValidator>,
  t0: number,
  signal: AbortSignal,
): Promise<SourceReport> {
  const { config } = v.loaded;
  const source = config.sources[v.name]!;
  const settings = config.validation;
  const counts = await aggregateScan(v.conn, scoped.rows, plans, ctx);
  const store = new MetricsStore(path.resolve(v.loaded.root, settings.metrics_dir));
  const history = store.read(v.name);
  const scopeKey = v.scope.kind;

  const results: (CheckResult[] | 'stream')[] = [];
  for (const p of plans) {
    if (p.problem) results.push([errored(p, p.problem)]);
    else if (p.kind === 'row_count')
      results.push(rowCountResults(p, counts.rows, v.scope.written, history, scopeKey));
    else if (p.engine === 'stream') results.push('stream');
    else results.push([await runCheck(v, scoped, p, counts, mask)]);
  }
  const days = source.date_column ? await dayCounts(v.conn, scoped.rows, source.date_column) : [];
  let rows = await streaming;
  if (rows === v.streamed && rows.rows !== counts.rows) {
    // The extract pass saw what it wrote, but the scope now counts other rows (the source changed
    // since, or a lookback delivered late rows from before the scope's start): check the scope.
    v.log.info({ seen: rows.rows, counted: counts.rows }, 'row checks re-read the scope');
    rows = await streamRows(v, scoped, ctx.now, signal);
  }
  const checks = results.flatMap((r, i) => (r === 'stream' ? [streamResult(plans[i]!, counts, rows)] : r));
  store.append({
    run_id: v.runId,
    at: v.now.toISOString(),
    source: v.name,
    scope: scopeKey,
    rows: counts.rows,
    null_percent: Object.fromEntries(
      [...counts.nulls].map(([c, n]) => [c, counts.rows ? Math.round((n / counts.rows) * 1e6) / 1e4 : 0]),
    ),
  });
  return {
    report_version: REPORT_VERSION,
    run_id: v.runId,
    source: v.name,
    generated_at: new Date().toISOString(),
    scope: scoped.description,
    rows: counts.rows,
    duration_ms: Date.now() - t0,
    verdict: worst(checks.map(impactOf)),
    checks,
    days,
  };
}

/**
 * Whether the extract pass's validator saw every written row exactly once: a run resumed after a
 * crash wrote its earlier parts in another process (pipeline/row-checks.ts).
 */
function coversWritten(v: SourceValidation, seen: RowValidator, plans: readonly CheckPlan[]): boolean {
  const complete =
    seen.rows === v.scope.written &&
    plans.every((p) => p.engine !== 'stream' || p.problem !== undefined || seen.tally(p.id) !== undefined);
  if (!complete) {
    v.log.info(
      { seen: seen.rows, written: v.scope.written },
      'the extract pass did not see every row written; row checks re-read the scope',
    );
  }
  return complete;
}

/** The row checks over the scope, read in keyset batches by the extractor's own batch source. */
async function streamRows(
  v: SourceValidation,
  scoped: ScopedPlan,
  now: Date,
  signal: AbortSignal,
): Promise<RowValidator> {
  const validator = sourceRowValidator(v.loaded, v.name, scoped.plan.columns, now);
  if (!validator.hasRules) return validator;
  for await (const batch of readBatches(v.conn, scoped.plan, undefined)) {
    if (signal.aborted) break;
    validator.observe(batch);
  }
  v.log.debug({ rows: validator.rows }, 'row checks streamed');
  return validator;
}

function streamResult(p: CheckPlan, counts: AggregateCounts, stream: RowValidator): CheckResult {
  const t = stream.tally(p.id)!;
  return evaluate(p, {
    failed: t.failed,
    rows: counts.rows,
    nulls: p.kind === 'type' ? undefined : t.nulls,
    samples: t.samples,
  });
}

async function runCheck(
  v: SourceValidation,
  scoped: ScopedPlan,
  p: CheckPlan,
  counts: AggregateCounts,
  mask: (r: SampleRow) => SampleRow,
): Promise<CheckResult> {
  const limit = v.loaded.config.validation.sample_rows;
  const order = scoped.plan.orderColumns;
  const nulls = p.columns.length === 1 && p.kind !== 'unique' ? counts.nulls.get(p.columns[0]!) : undefined;
  try {
    if (p.kind === 'unique') {
      const d = await countDuplicates(v.conn, scoped.rows, p.columns);
      const samples =
        d.surplus > 0 && limit > 0
          ? toSamples(await duplicateSamples(v.conn, scoped.rows, p.columns, limit), mask)
          : [];
      return evaluate(p, {
        failed: d.surplus,
        rows: counts.rows,
        value: d.groups,
        samples,
        message: `${d.groups} duplicated keys, ${d.surplus} surplus rows of ${counts.rows}`,
      });
    }
    if (p.kind === 'references') return await references(v, scoped, p, counts.rows, nulls ?? 0, mask);
    const failed = counts.failed.get(p.id) ?? 0;
    const pred = counts.predicates.get(p.id)!;
    const samples =
      failed > 0 && limit > 0
        ? toSamples(await sampleRows(v.conn, scoped.rows, pred, order, limit), mask)
        : [];
    return evaluate(p, { failed, rows: counts.rows, nulls, samples });
  } catch (e) {
    v.log.warn({ err: e, check: p.id }, 'check could not run');
    return errored(p, (e as Error).message);
  }
}

async function references(
  v: SourceValidation,
  scoped: ScopedPlan,
  p: CheckPlan,
  rows: number,
  nulls: number,
  mask: (r: SampleRow) => SampleRow,
): Promise<CheckResult> {
  const c = p.config;
  if (c.check !== 'references') throw new Error('not a references check');
  const { config, queries } = v.loaded;
  const target = config.sources[c.source]!;
  if (target.connection !== config.sources[v.name]!.connection) {
    return errored(
      p,
      `source "${c.source}" is on another connection; references are checked by an anti-join in one database`,
    );
  }
  const key = c.key ?? (target.primary_key.length === 1 ? target.primary_key[0]! : undefined);
  if (!key) return errored(p, `source "${c.source}" has a composite primary key: name the column with key:`);
  const template = queries[target.query ?? c.source]!;
  const referenced: SqlFragment = compileTemplate(
    template.dialects[v.conn.dialect.name] ?? template.sql,
    target.params,
  );
  const column = p.columns[0]!;
  const orphans = await countOrphans(v.conn, scoped.rows, referenced, column, key);
  const limit = v.loaded.config.validation.sample_rows;
  const samples =
    orphans > 0 && limit > 0
      ? toSamples(
          await orphanSamples(v.conn, scoped.rows, referenced, column, key, scoped.plan.orderColumns, limit),
          mask,
        )
      : [];
  const failed = orphans + (p.nulls === 'fail' ? nulls : 0);
  return evaluate(p, {
    failed,
    rows,
    nulls,
    samples,
    message: `${orphans} rows whose ${column} has no ${c.source}.${key}${p.nulls === 'fail' ? ` plus ${nulls} NULL` : ''}: ${failed} failing of ${p.denominator === 'non_null' ? rows - nulls : rows}`,
  });
}

function toSamples(
  res: { columns: string[]; rows: unknown[][] },
  mask: (r: SampleRow) => SampleRow,
): SampleRow[] {
  return res.rows.map((r) =>
    mask(Object.fromEntries(res.columns.map((c, i) => [c, (r[i] ?? null) as CellValue]))),
  );
}

async function dayCounts(conn: SourceConnection, rows: SqlFragment, column: string): Promise<DayCount[]> {
  const { dialect } = conn;
  const day = dialect.capabilities.dayExpression.replace('{}', col(dialect, column));
  const sql = `SELECT ${day} AS d, ${dialect.capabilities.countExpression} AS n FROM (${rows.sql}) v WHERE ${col(dialect, column)} IS NOT NULL GROUP BY ${day} ORDER BY 1`;
  const res = await dialect.query(conn.knex, sql, rows.bindings);
  // A chart, not an audit: cap the points so a decade-long scope stays a small report.
  return res.rows.slice(-400).map((r) => ({ day: String(r[0]).slice(0, 10), rows: Number(r[1]) }));
}
