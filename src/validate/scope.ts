/**
 * Which rows the checks cover, as the same SourcePlan the extractor uses, so SQL pushdown and
 * streaming see exactly the extracted range:
 * - `range`: --start-date/--end-date on the source's date_column (as `extract` filters it);
 * - `incremental`: after the position the extraction started from, up to its high-water mark;
 * - `full`: everything the source's query returns now.
 */
import type { LoadedConfig } from '../config/load.js';
import type { SourceConnection } from '../db/connection.js';
import type { DateRange } from '../extract/date-range.js';
import { afterPosition, type SqlFragment } from '../extract/keyset.js';
import { bounded, planSource, sourceRequest, usablePosition, type SourcePlan } from '../extract/plan.js';
import type { StoredValue, Watermark } from '../extract/state.js';
import type { ScopeDescription } from './result.js';

export interface CheckScope {
  kind: 'range' | 'full' | 'incremental';
  range?: DateRange;
  /** Incremental: rows after this keyset position (the watermark the extraction started from). */
  start?: Watermark;
  /** Incremental: the extraction's frozen upper bound on the cursor column. */
  highWater?: StoredValue;
  /** Rows the extraction wrote over this scope (reconciled with a COUNT by row_count checks). */
  written?: number;
}

export interface ScopedPlan {
  plan: SourcePlan;
  /** `SELECT * FROM (<template>) q WHERE <scope filters>`: what every pushdown query reads. */
  rows: SqlFragment;
  description: ScopeDescription;
}

export async function scopedPlan(
  loaded: LoadedConfig,
  conn: SourceConnection,
  name: string,
  scope: CheckScope,
): Promise<ScopedPlan> {
  const base = await planSource(
    conn,
    sourceRequest(loaded, name, scope.kind === 'incremental' ? 'incremental' : 'full', scope.range),
  );
  let plan = scope.kind === 'incremental' ? bounded(conn, base, scope.highWater) : base;
  const start = scope.kind === 'incremental' ? usablePosition(plan, scope.start) : undefined;
  if (start) {
    const values = start.values.map((v, i) => conn.dialect.keyBinding(v, plan.orderTypes[i]!));
    plan = { ...plan, filters: [...plan.filters, afterPosition(conn.dialect, start.columns, values)] };
  }
  const where = plan.filters.length ? ` WHERE ${plan.filters.map((f) => f.sql).join(' AND ')}` : '';
  return {
    plan,
    rows: {
      sql: `SELECT * FROM (${plan.template.sql.trim()}) q${where}`,
      bindings: [...plan.template.bindings, ...plan.filters.flatMap((f) => f.bindings)],
    },
    description: describeScope(scope, plan, start),
  };
}

function describeScope(scope: CheckScope, plan: SourcePlan, start: Watermark | undefined): ScopeDescription {
  const common = { kind: scope.kind, written: scope.written };
  if (scope.kind === 'range' && scope.range) {
    const text = plan.note
      ? `whole source (${plan.note})`
      : `${scope.range.start} to ${scope.range.end} on ${plan.range ? 'the date column' : ''}`.trim();
    return { ...common, range: scope.range, description: text };
  }
  if (scope.kind === 'incremental') {
    // The cursor value only: the rest of the position is a primary key, which can identify a patient.
    const from = start ? `after ${start.columns[0]} ${String(start.values[0])}` : 'from the beginning';
    const to = scope.highWater == null ? '' : ` up to ${String(scope.highWater)}`;
    return { ...common, high_water: scope.highWater, description: `the extracted increment: ${from}${to}` };
  }
  return { ...common, description: 'the whole source' };
}
