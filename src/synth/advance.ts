/**
 * Advancing a demo database: N more days of new rows, plus, on each open day, updates of a
 * deterministic sample of existing rows (so incremental extraction sees changed rows too):
 * - patients: postal_code changed (moved house), any patient
 * - attendances: waiting_time_min corrected, attendances of about the last three days
 * - lab_results: result amended (value ± a few reporting units, abnormal_flag recomputed),
 *   results of about the last three days
 * Each update sets updated_at to a time on the new day (09:00-18:00 Singapore), later than any
 * earlier updated_at. Rows and updates depend only on the stored state, so advancing 2 days
 * then 3 gives the same database as advancing 5.
 */
import { formatUtc, localToUtc, parseDate, US_PER_DAY, US_PER_HOUR } from './calendar.js';
import { LAB_TESTS, type LabCode, type LabTest } from './catalog.js';
import { abnormalFlag } from './labs.js';
import type { NextIds } from './encounters.js';
import { attendanceCount, type SynthState } from './generator.js';
import { result, streamSource, type LoadResult } from './load.js';
import { metaToState, readMeta, writeMeta } from './meta.js';
import { Rng } from './prng.js';
import { POLYCLINICS } from './reference.js';
import { assertTimelineInPast, emptyCounts } from './run.js';
import type { LoadSource } from './source.js';
import type { DemoStore } from './store.js';
import type { SourceTable } from './tables.js';

const SECTORS = [...new Set(POLYCLINICS.flatMap((p) => p.sectors))];

/** Reads the stored state and checks that `days` more days keep the timeline in the past. */
export async function readState(store: DemoStore, days: number, now: Date): Promise<SynthState> {
  if (!Number.isInteger(days) || days < 1) throw new Error(`days must be a positive integer, got ${days}`);
  const state = metaToState(await readMeta(store));
  assertTimelineInPast(state.startDate, state.daysGenerated + days, now);
  return state;
}

/** Appends the source's days (it must emit `day` events) and runs each open day's updates first. */
export async function advanceDatabase(
  store: DemoStore,
  state: SynthState,
  source: LoadSource,
  started: number,
): Promise<LoadResult> {
  const updated = emptyCounts();
  let updateSeconds = 0;
  const startDay = parseDate(state.startDate);
  await store.begin();
  try {
    await store.startBulk(false);
    // Day events carry the ids at the day's start (the generator runs ahead of the writes).
    await streamSource(store, source, async (d, ids) => {
      const t = performance.now();
      await updateDay(store, state.seed, state.scale, startDay, d, ids, updated);
      updateSeconds += (performance.now() - t) / 1000;
    });
    await writeMeta(store, source.summary().state);
    await store.commit();
  } catch (e) {
    await store.rollback().catch(() => undefined);
    throw e;
  }
  return result(store, source.summary(), updated, started, { indexSeconds: 0, updateSeconds });
}

function sample(rng: Rng, lo: number, hi: number, k: number): number[] {
  if (hi < lo) return [];
  const n = Math.min(k, hi - lo + 1);
  const picked = new Set<number>();
  while (picked.size < n) picked.add(rng.int(lo, hi));
  return [...picked].sort((a, b) => a - b);
}

async function updateDay(
  store: DemoStore,
  seed: number,
  scale: number,
  startDay: number,
  d: number,
  ids: NextIds,
  updated: Record<SourceTable, number>,
): Promise<void> {
  const day = startDay + d;
  if (attendanceCount(seed, day, scale) === 0) return; // closed: nobody edits records
  const rng = Rng.of(seed, 'updates', d);
  const p = (n: number): string => store.param(n);
  const stamp = (): unknown =>
    store.utc(
      formatUtc(localToUtc(day * US_PER_DAY + 9 * US_PER_HOUR) + Math.floor(rng.next() * 9 * US_PER_HOUR)),
    );
  const recent = Math.round(75_000 * scale);

  for (const id of sample(rng, 1, ids.patient_id - 1, Math.max(3, Math.round(60 * scale)))) {
    const postal = rng.pick(SECTORS) + String(rng.int(0, 9999)).padStart(4, '0');
    updated.patients += await store.run(
      `UPDATE patients SET postal_code = ${p(1)}, updated_at = ${p(2)} WHERE patient_id = ${p(3)}`,
      [postal, stamp(), id],
    );
  }
  const hiA = ids.attendance_id - 1;
  for (const id of sample(rng, Math.max(1, hiA - recent), hiA, Math.max(5, Math.round(125 * scale)))) {
    updated.attendances += await store.run(
      `UPDATE attendances SET waiting_time_min = ${p(1)}, updated_at = ${p(2)} WHERE attendance_id = ${p(3)}`,
      [rng.int(5, 150), stamp(), id],
    );
  }
  const hiL = ids.lab_result_id - 1;
  const labIds = sample(rng, Math.max(1, hiL - recent), hiL, Math.max(5, Math.round(170 * scale)));
  if (labIds.length === 0) return;
  const rows = await store.query(
    `SELECT lab_result_id, test_code, result_value, reference_low, reference_high FROM lab_results ` +
      `WHERE lab_result_id IN (${labIds.map((_, i) => p(i + 1)).join(', ')}) ORDER BY lab_result_id`,
    labIds,
  );
  const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
  for (const r of rows) {
    const value = num(r.result_value);
    const step = rng.int(1, 3) * (rng.chance(0.5) ? -1 : 1);
    if (value === null || !Number.isFinite(value)) continue;
    const test = LAB_TESTS[String(r.test_code) as LabCode] as LabTest | undefined;
    const dp = test?.dp ?? 1;
    const amended = Math.max(0, Number((value + step * 10 ** -dp).toFixed(dp)));
    const flag = abnormalFlag(amended, num(r.reference_low), num(r.reference_high));
    updated.lab_results += await store.run(
      `UPDATE lab_results SET result_value = ${p(1)}, abnormal_flag = ${p(2)}, updated_at = ${p(3)} WHERE lab_result_id = ${p(4)}`,
      [amended.toFixed(4), flag, stamp(), num(r.lab_result_id)],
    );
  }
}
