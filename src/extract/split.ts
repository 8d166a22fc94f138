/**
 * A run split into key ranges: disjoint ranges of the first keyset column, each read as its own
 * keyset stream (its own position, its own parts) on its own pooled connection. The boundaries are
 * chosen once when the run starts (split-plan.ts) and stored in the run's checkpoint, so a resume,
 * in this process or another, reads exactly the same ranges.
 *
 * Range i holds the rows with `bounds[i-1] <= k1 < bounds[i]`; the first range has no lower bound
 * and the last no upper bound, so together they cover every row the unsplit run would read (rows
 * inserted below the lowest or above the highest key while the run reads included).
 */
import type { Dialect } from '../db/dialect.js';
import type { SqlFragment } from './keyset.js';
import type { SourcePlan } from './plan.js';
import type { CommittedPartRecord, Watermark } from './state.js';

export interface KeyRange {
  /** The position after this range's last committed part (undefined: the range's start). */
  position?: Watermark;
  /** Every row of the range is in a committed part. */
  done?: boolean;
}

export interface SplitRun {
  /** The column split on: the first keyset column. */
  column: string;
  /** The `ranges.length - 1` boundaries, increasing, as canonical text (schema/column-types.ts). */
  bounds: string[];
  ranges: KeyRange[];
  /** The next part file's index: part indexes are unique across ranges. */
  next_part: number;
}

/** `k1 >= lo AND k1 < hi` for range `i` (either side left out at the ends). */
export function rangeFilter(dialect: Dialect, plan: SourcePlan, split: SplitRun, i: number): SqlFragment {
  const col = `q.${dialect.quoteIdentifier(split.column)}`;
  const type = plan.orderTypes[0]!;
  const terms: string[] = [];
  const bindings: unknown[] = [];
  const bind = (text: string) => dialect.keyBinding(dialect.formatBinding(text, type), type);
  if (i > 0) {
    terms.push(`${col} >= ?`);
    bindings.push(bind(split.bounds[i - 1]!));
  }
  if (i < split.bounds.length) {
    terms.push(`${col} < ?`);
    bindings.push(bind(split.bounds[i]!));
  }
  if (terms.length === 0) return { sql: '1 = 1', bindings };
  return { sql: terms.length > 1 ? `(${terms.join(' AND ')})` : terms[0]!, bindings };
}

/** The plan of range `i`: the run's plan with the range's filter. */
export function rangePlan(dialect: Dialect, plan: SourcePlan, split: SplitRun, i: number): SourcePlan {
  return { ...plan, filters: [...plan.filters, rangeFilter(dialect, plan, split, i)] };
}

/**
 * Parts in key order: by range, then by index (an unsplit run's parts are already in key order, as
 * committed). What the manifest lists and the load reads.
 */
export function partsInKeyOrder(parts: readonly CommittedPartRecord[]): CommittedPartRecord[] {
  if (!parts.some((p) => p.range !== undefined)) return [...parts];
  return [...parts].sort((a, b) => (a.range ?? 0) - (b.range ?? 0) || (a.index ?? 0) - (b.index ?? 0));
}
