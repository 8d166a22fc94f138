/**
 * What an advance does to existing data on each open day, besides appending the day's rows:
 * late rows (late.ts), deletes (deletes.ts) and updates (updates.ts). Each step is a function of
 * the stored state and (seed, day) only, so advancing 2 days then 3 gives the same database as
 * advancing 5.
 */
import type { NextIds } from './encounters.js';
import { emptyCounts } from './run.js';
import type { DemoStore } from './store.js';
import type { SourceTable } from './tables.js';

/** One open day of an advance, as a change step sees it. */
export interface AdvanceDay {
  store: DemoStore;
  seed: number;
  scale: number;
  /** Day number of the timeline's first day. */
  startDay: number;
  /** Day index within the timeline (0 = start date). */
  index: number;
  /** Day number (days since 1970-01-01) of this day. */
  day: number;
  /**
   * Next ids at the day's start, before its generated rows. With late rows reserved (run.ts),
   * `lab_result_id` is the first late row's id and the day's generated results follow them.
   */
  ids: NextIds;
}

/** Per-table tallies of an advance's changes to existing data (all zero on create). */
export interface ChangeCounts {
  /** Existing rows updated. */
  updated: Record<SourceTable, number>;
  /** Existing rows deleted (leaf tables only: medications, lab_results). */
  deleted: Record<SourceTable, number>;
  /** Rows inserted with created_at/updated_at behind the table's watermark (lab_results only). */
  late: Record<SourceTable, number>;
}

/** A change step; adds what it did to `tally`. */
export type DayChange = (day: AdvanceDay, tally: ChangeCounts) => Promise<void>;

export const emptyChanges = (): ChangeCounts => ({
  updated: emptyCounts(),
  deleted: emptyCounts(),
  late: emptyCounts(),
});
