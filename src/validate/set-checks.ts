/**
 * The SQL checks of one scope turned into results: counting checks from the aggregate scan, a
 * GROUP BY per unique key, an anti-join per reference, samples fetched only for a failed check,
 * and the rows-per-day chart. The same code serves a source database (increment scope) and DuckDB
 * over a processed dataset (dataset scope): what differs is the CheckTarget.
 */
import type { CheckConfig } from '../config/validation-schema.js';
import type { SqlFragment } from '../extract/keyset.js';
import type { Logger } from '../observe/logger.js';
import type { CellValue } from '../schema/column-types.js';
import type { CheckPlan } from './compile.js';
import { errored, evaluate, skipped } from './evaluate.js';
import type { CheckResult, DayCount, SampleRow } from './result.js';
import { sampleRows, type AggregateCounts } from './sql/aggregate.js';
import type { CheckDatabase } from './sql/database.js';
import { col } from './sql/predicates.js';
import { countDuplicates, countOrphans, duplicateSamples, orphanSamples } from './sql/sets.js';

export type ReferencesConfig = Extract<CheckConfig, { check: 'references' }>;

/** The referenced rows of a references check, or why it is skipped (or cannot run). */
export type Referenced = { rows: SqlFragment; key: string } | { skip: string } | { error: string };

export interface CheckTarget {
  db: CheckDatabase;
  /** The rows checked, as a SELECT every check query wraps. */
  rows: SqlFragment;
  /** Sample order: the primary key, so samples are stable between runs. */
  orderColumns: readonly string[];
  /** Failing rows kept per check (validation.sample_rows). */
  sampleRows: number;
  mask: (row: SampleRow) => SampleRow;
  referenced(config: ReferencesConfig): Referenced;
  log: Logger;
}

/** The referenced column: `key:`, else the referenced source's single-column primary key. */
export function referencedKey(c: ReferencesConfig, primaryKey: readonly string[]): string | undefined {
  return c.key ?? (primaryKey.length === 1 ? primaryKey[0] : undefined);
}

/** A unique, references or counting check (not_null, range, accepted_values, dates, SQL pattern). */
export async function setCheckResult(
  t: CheckTarget,
  p: CheckPlan,
  counts: AggregateCounts,
): Promise<CheckResult> {
  const nulls = p.columns.length === 1 && p.kind !== 'unique' ? counts.nulls.get(p.columns[0]!) : undefined;
  try {
    if (p.kind === 'unique') return await unique(t, p, counts.rows);
    if (p.kind === 'references') return await references(t, p, counts.rows, nulls ?? 0);
    const failed = counts.failed.get(p.id) ?? 0;
    const pred = counts.predicates.get(p.id)!;
    const samples =
      failed > 0 && t.sampleRows > 0
        ? toSamples(await sampleRows(t.db, t.rows, pred, t.orderColumns, t.sampleRows), t.mask)
        : [];
    return evaluate(p, { failed, rows: counts.rows, nulls, samples });
  } catch (e) {
    t.log.warn({ err: e, check: p.id }, 'check could not run');
    return errored(p, (e as Error).message);
  }
}

async function unique(t: CheckTarget, p: CheckPlan, rows: number): Promise<CheckResult> {
  const d = await countDuplicates(t.db, t.rows, p.columns);
  const samples =
    d.surplus > 0 && t.sampleRows > 0
      ? toSamples(await duplicateSamples(t.db, t.rows, p.columns, t.sampleRows), t.mask)
      : [];
  return evaluate(p, {
    failed: d.surplus,
    rows,
    value: d.groups,
    samples,
    message: `${d.groups} duplicated keys, ${d.surplus} surplus rows of ${rows}`,
  });
}

async function references(t: CheckTarget, p: CheckPlan, rows: number, nulls: number): Promise<CheckResult> {
  const c = p.config;
  if (c.check !== 'references') throw new Error('not a references check');
  const target = t.referenced(c);
  if ('skip' in target) return skipped(p, target.skip, rows);
  if ('error' in target) return errored(p, target.error);
  const column = p.columns[0]!;
  const orphans = await countOrphans(t.db, t.rows, target.rows, column, target.key);
  const samples =
    orphans > 0 && t.sampleRows > 0
      ? toSamples(
          await orphanSamples(t.db, t.rows, target.rows, column, target.key, t.orderColumns, t.sampleRows),
          t.mask,
        )
      : [];
  const failed = orphans + (p.nulls === 'fail' ? nulls : 0);
  return evaluate(p, {
    failed,
    rows,
    nulls,
    samples,
    message: `${orphans} rows whose ${column} has no ${c.source}.${target.key}${p.nulls === 'fail' ? ` plus ${nulls} NULL` : ''}: ${failed} failing of ${p.denominator === 'non_null' ? rows - nulls : rows}`,
  });
}

export function toSamples(
  res: { columns: string[]; rows: unknown[][] },
  mask: (r: SampleRow) => SampleRow,
): SampleRow[] {
  return res.rows.map((r) =>
    mask(Object.fromEntries(res.columns.map((c, i) => [c, (r[i] ?? null) as CellValue]))),
  );
}

/** Rows per day of `column` (the HTML chart). */
export async function dayCounts(db: CheckDatabase, rows: SqlFragment, column: string): Promise<DayCount[]> {
  const { dialect } = db;
  const day = dialect.capabilities.dayExpression.replace('{}', col(dialect, column));
  const sql = `SELECT ${day} AS d, ${dialect.capabilities.countExpression} AS n FROM (${rows.sql}) v WHERE ${col(dialect, column)} IS NOT NULL GROUP BY ${day} ORDER BY 1`;
  const res = await db.query(sql, rows.bindings);
  // A chart, not an audit: cap the points so a decade-long scope stays a small report.
  return res.rows.slice(-400).map((r) => ({ day: String(r[0]).slice(0, 10), rows: Number(r[1]) }));
}
