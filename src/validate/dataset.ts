/**
 * The dataset-scope checks of one source: the processed dataset's current version (its Parquet
 * files, a `read_parquet(…)` expression from load/read-path.ts) checked in an embedded DuckDB by
 * the same SQL checks as a source database (set-checks.ts through the duckdb dialect). A
 * references check joins the other source's processed dataset. Called by the pipeline after a load.
 * It never throws for the data: a dataset that cannot be read gives a report with `error` and
 * verdict error; DuckDB's messages reach it only without values (db/dialects/duckdb/errors.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LoadedConfig } from '../config/load.js';
import type { CheckConfig } from '../config/validation-schema.js';
import { duckdbDialect, withDuckdbSession, type DuckdbSession } from '../db/dialects/duckdb/index.js';
import type { SqlFragment } from '../extract/keyset.js';
import { budgetOf, withinBudget } from '../load/memory-budget.js';
import type { Logger } from '../observe/logger.js';
import type { ColumnSpec } from '../schema/column-types.js';
import { checksAt, compileChecks, type CheckPlan, type CompileTarget } from './compile.js';
import { errored, skipped } from './evaluate.js';
import { runFreshness } from './freshness.js';
import { MetricsStore, metricsEntry } from './history.js';
import { countRows, datasetScan } from './changed-scan.js';
import { maskedColumns, masker } from './mask.js';
import { REPORT_VERSION, type CheckResult, type ScopeDescription, type SourceReport } from './result.js';
import { rowCountResults } from './row-count.js';
import { dayCounts, referencedKey, setCheckResult, type CheckTarget, type Referenced } from './set-checks.js';
import { aggregateScan } from './sql/aggregate.js';
import type { CheckDatabase } from './sql/database.js';
import { impactOf, worst } from './threshold.js';

export interface DatasetValidation {
  loaded: LoadedConfig;
  name: string;
  /**
   * The current version as a DuckDB table expression (`datasetGlob(store, name)?.sql`, pinned to
   * the version, so a concurrent load cannot change it between queries); undefined before the
   * first load: every dataset check is then `skipped`.
   */
  datasetSql: string | undefined;
  /** Another source's dataset expression, for references checks; undefined when it has none yet. */
  otherDatasets: (source: string) => string | undefined;
  runId: string;
  now: Date;
  log: Logger;
  /** The version checked, shown in the report. */
  version?: string;
  /**
   * The rows this load wrote (an incremental merge into an existing dataset), as a DuckDB table
   * expression holding the primary key: the row checks, references and unique then look only at
   * what the merge can have broken (changed-scan.ts); null: it wrote nothing. Undefined: the whole
   * dataset.
   */
  changed?: string | null;
}

/** The message of every dataset check of a source that has not been loaded yet. */
export const NO_DATASET = 'no processed dataset yet';

/** SQL only: the checks that need streamed rows are increment-scope (refused here by config rules). */
const DATASET_TARGET: CompileTarget = { sqlPatterns: true, stream: false };

/**
 * Runs the source's `scope: dataset` checks over its processed dataset. The report has the
 * SourceReport shape with `scope.kind: 'dataset'`; write it with the run's other reports
 * (report/files.ts names it `<source>.dataset.json`).
 */
export async function validateDataset(v: DatasetValidation): Promise<SourceReport> {
  const t0 = Date.now();
  const checks = checksAt(v.loaded.config.validation, v.name, 'dataset');
  if (checks.length === 0) return report(v, t0, 0, [], { description: 'no dataset-scope checks' });
  if (v.datasetSql === undefined) {
    const plans = compileChecks(checks, [], DATASET_TARGET);
    return report(
      v,
      t0,
      0,
      plans.map((p) => skipped(p, NO_DATASET)),
      { description: NO_DATASET },
    );
  }
  const datasetSql = v.datasetSql;
  const { load } = v.loaded.config;
  // Spill files of large GROUP BYs, removed with the session.
  const spill = mkdtempSync(path.join(os.tmpdir(), 'moh-etl-validate-'));
  // The same budget as the load's engine (load/memory-budget.ts), sized when the session opens; a
  // check out of memory under a lowered limit runs every check again at load.memory_limit.
  const attempt = async (memoryLimit: string) => {
    const checked = await withDuckdbSession(
      { memoryLimit, threads: load.threads, tempDirectory: spill },
      (session) => checkDataset(v, datasetDatabase(session), datasetSql, checks, t0),
    );
    if (checked.report.checks.some((c) => c.status === 'error' && OUT_OF_MEMORY.test(c.message ?? '')))
      throw new ChecksOutOfMemory(checked);
    return checked;
  };
  const outOfMemory = (e: unknown) =>
    e instanceof ChecksOutOfMemory || (e instanceof Error && OUT_OF_MEMORY.test(e.message));
  try {
    let checked: Checked;
    try {
      checked = await withinBudget(load.memory_limit, budgetOf(load), outOfMemory, attempt, (m) =>
        v.log.warn(m),
      );
    } catch (e) {
      if (!(e instanceof ChecksOutOfMemory)) throw e;
      checked = e.checked;
    }
    checked.record();
    return checked.report;
  } catch (e) {
    // The dataset could not be read (a check that fails alone is that check's error): the report
    // says so with verdict error, as a source that could not be validated.
    v.log.error({ err: e }, 'dataset validation failed to run');
    const error = (e as Error).message;
    return { ...report(v, t0, 0, [], { description: 'not checked' }), verdict: 'error', error };
  } finally {
    rmSync(spill, { recursive: true, force: true });
  }
}

/** DuckDB's out-of-memory error, as a check's or the session's message keeps it. */
const OUT_OF_MEMORY = /Out of Memory Error/;

/** A report not yet in the metrics history: an attempt out of memory is run again, not recorded. */
interface Checked {
  report: SourceReport;
  record: () => void;
}

class ChecksOutOfMemory extends Error {
  constructor(readonly checked: Checked) {
    super('a dataset check ran out of memory');
  }
}

function datasetDatabase(session: DuckdbSession): CheckDatabase {
  return { dialect: duckdbDialect, query: (sql, bindings) => duckdbDialect.query(session, sql, bindings) };
}

async function checkDataset(
  v: DatasetValidation,
  db: CheckDatabase,
  datasetSql: string,
  checks: CheckConfig[],
  t0: number,
): Promise<Checked> {
  const { config } = v.loaded;
  const source = config.sources[v.name]!;
  const settings = config.validation;
  const all: SqlFragment = { sql: `SELECT * FROM ${datasetSql}`, bindings: [] };
  const { columns } = await db.query(db.dialect.limitRows(all.sql, 0), []);
  const names = columns.map((c) => c.name);
  const plans = compileChecks(checks, columns, DATASET_TARGET);
  const scan = datasetScan(datasetSql, v.changed, source.primary_key, names);
  const rows = scan.rows;
  const ctx = {
    dialect: db.dialect,
    columns,
    now: v.now,
    timeZone: settings.timezone ?? config.extraction.timezone,
  };
  const scanned = await aggregateScan(db, rows, plans, ctx);
  // Row counts (row_count, the metrics history) are always the whole dataset's.
  const total = scan.changed ? await countRows(db, all) : scanned.rows;
  const counts = { ...scanned, rows: total };
  const masked = maskedColumns(settings.mask_columns, source.pii_columns, names);
  const store = new MetricsStore(path.resolve(v.loaded.root, settings.metrics_dir));
  const history = store.read(v.name);
  const target: CheckTarget = {
    db,
    rows,
    orderColumns: sampleOrder(source.primary_key, columns),
    sampleRows: settings.sample_rows,
    mask: masker(masked),
    referenced: (c) => referencedDataset(v, c),
    log: v.log,
  };
  const results: CheckResult[] = [];
  for (const p of plans) {
    if (p.problem) results.push(errored(p, p.problem));
    else if (p.kind === 'row_count')
      results.push(...rowCountResults(p, counts.rows, undefined, history, 'dataset'));
    else if (p.kind === 'freshness')
      results.push(await freshness(v, db, all, p, columns, counts.rows, masked));
    else if (p.kind === 'unique')
      results.push(await setCheckResult({ ...target, rows: scan.sharing(p.columns) }, p, scanned));
    else results.push(await setCheckResult(target, p, scanned));
  }
  const days =
    source.date_column && names.includes(source.date_column)
      ? await dayCounts(db, rows, source.date_column)
      : [];
  const record = () => store.append(metricsEntry(v, 'dataset', counts, false));
  const version = v.version ? ` (version ${v.version})` : '';
  const description = scan.changed
    ? `the processed dataset${version}: the ${scanned.rows} rows this load wrote (unique: every row sharing their values); row counts over all ${total}`
    : `the processed dataset${version}`;
  return { report: { ...report(v, t0, counts.rows, results, { description }), days }, record };
}

function freshness(
  v: DatasetValidation,
  db: CheckDatabase,
  rows: SqlFragment,
  p: CheckPlan,
  columns: ColumnSpec[],
  count: number,
  masked: readonly string[],
): Promise<CheckResult> {
  const { config } = v.loaded;
  const input = {
    now: v.now,
    timeZone: config.sources[v.name]!.timezone ?? config.extraction.timezone,
    rows: count,
    masked: masked.includes(p.columns[0]!),
    where: 'the processed dataset',
  };
  return runFreshness(db, rows, p, columns, input, v.log);
}

/** The referenced source's processed dataset, or why the reference cannot be checked yet. */
function referencedDataset(v: DatasetValidation, c: Parameters<CheckTarget['referenced']>[0]): Referenced {
  const key = referencedKey(c, v.loaded.config.sources[c.source]!.primary_key);
  if (!key) return { error: `source "${c.source}" has a composite primary key: name the column with key:` };
  const other = v.otherDatasets(c.source);
  if (other === undefined) return { skip: `no processed dataset of ${c.source} yet` };
  return { rows: { sql: `SELECT * FROM ${other}`, bindings: [] }, key };
}

/** Samples in primary-key order where the dataset keeps the key (a transform may rename it). */
function sampleOrder(primaryKey: readonly string[], columns: readonly ColumnSpec[]): string[] {
  const present = primaryKey.filter((k) => columns.some((c) => c.name === k));
  return present.length > 0 ? present : [columns[0]!.name];
}

function report(
  v: DatasetValidation,
  t0: number,
  rows: number,
  checks: CheckResult[],
  scope: Pick<ScopeDescription, 'description'>,
): SourceReport {
  return {
    report_version: REPORT_VERSION,
    run_id: v.runId,
    source: v.name,
    generated_at: new Date().toISOString(),
    scope: { kind: 'dataset', ...(v.version ? { version: v.version } : {}), ...scope },
    rows,
    duration_ms: Date.now() - t0,
    verdict: worst(checks.map(impactOf)),
    checks,
    days: [],
  };
}
