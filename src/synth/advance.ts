/**
 * Advancing a demo database: N more days of new rows, and on each open day, before the day's
 * rows, changes to the existing data (changes.ts), in this order:
 * 1. late rows: lab results of the previous open day stamped behind the watermark (late.ts);
 *    first, so the watermark they read is the one left by the previous day;
 * 2. deletes: a sample of recent medications and lab results (deletes.ts);
 * 3. updates: a sample of patients, attendances and lab results (updates.ts); after the deletes,
 *    so an updated row still exists at the end of the day.
 * Rows and changes depend only on the stored state and (seed, day), so advancing 2 days then 3
 * gives the same database as advancing 5.
 */
import { parseDate } from './calendar.js';
import { emptyChanges, type DayChange } from './changes.js';
import { deleteRows } from './deletes.js';
import { attendanceCount, type SynthState } from './generator.js';
import { insertLateRows } from './late.js';
import { result, streamSource, type LoadResult } from './load.js';
import { metaToState, readMeta, writeMeta } from './meta.js';
import { assertTimelineInPast } from './run.js';
import type { LoadSource } from './source.js';
import type { DemoStore } from './store.js';
import { updateRows } from './updates.js';

/** The changes of each open day, in order. */
export const DAY_CHANGES: readonly DayChange[] = [insertLateRows, deleteRows, updateRows];

/** Reads the stored state and checks that `days` more days keep the timeline in the past. */
export async function readState(store: DemoStore, days: number, now: Date): Promise<SynthState> {
  if (!Number.isInteger(days) || days < 1) throw new Error(`days must be a positive integer, got ${days}`);
  const state = metaToState(await readMeta(store));
  assertTimelineInPast(state.startDate, state.daysGenerated + days, now);
  return state;
}

/**
 * Appends the source's days and runs each open day's changes first. The source must emit `day`
 * events and come from `continueTimeline(state, days, tuning, { lateRows: true })`, which
 * reserves the late rows' ids.
 */
export async function advanceDatabase(
  store: DemoStore,
  state: SynthState,
  source: LoadSource,
  started: number,
): Promise<LoadResult> {
  const tally = emptyChanges();
  let updateSeconds = 0;
  const { seed, scale } = state;
  const startDay = parseDate(state.startDate);
  await store.begin();
  try {
    await store.startBulk(false);
    // Day events carry the ids at the day's start (the generator runs ahead of the writes).
    await streamSource(store, source, async (index, ids) => {
      const day = startDay + index;
      if (attendanceCount(seed, day, scale) === 0) return; // closed: nobody edits records
      const t = performance.now();
      for (const change of DAY_CHANGES)
        await change({ store, seed, scale, startDay, index, day, ids }, tally);
      updateSeconds += (performance.now() - t) / 1000;
    });
    await writeMeta(store, source.summary().state);
    await store.commit();
  } catch (e) {
    await store.rollback().catch(() => undefined);
    throw e;
  }
  return result(store, source.summary(), tally, started, { indexSeconds: 0, updateSeconds });
}
