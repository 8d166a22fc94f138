/**
 * Updates on each open day of an advance: a deterministic sample of existing rows changes, so
 * incremental extraction sees changed rows too:
 * - patients: postal_code changed (moved house), any patient
 * - attendances: waiting_time_min corrected, attendances of about the last three days
 * - lab_results: result amended (value ± a few reporting units, abnormal_flag recomputed),
 *   results of about the last three days
 * Each update sets updated_at to a time on the day (09:00-18:00 Singapore), later than any
 * earlier updated_at. A sampled row deleted earlier is skipped (and not counted).
 */
import { formatUtc, localToUtc, US_PER_DAY, US_PER_HOUR } from './calendar.js';
import { LAB_TESTS, type LabCode, type LabTest } from './catalog.js';
import type { AdvanceDay, ChangeCounts } from './changes.js';
import { abnormalFlag } from './labs.js';
import { Rng, sampleDistinct } from './prng.js';
import { POLYCLINICS } from './reference.js';

const SECTORS = [...new Set(POLYCLINICS.flatMap((p) => p.sectors))];

export async function updateRows(a: AdvanceDay, tally: ChangeCounts): Promise<void> {
  const { store, seed, scale, day, ids } = a;
  const updated = tally.updated;
  const rng = Rng.of(seed, 'updates', a.index);
  const p = (n: number): string => store.param(n);
  const stamp = (): unknown =>
    store.utc(
      formatUtc(localToUtc(day * US_PER_DAY + 9 * US_PER_HOUR) + Math.floor(rng.next() * 9 * US_PER_HOUR)),
    );
  const recent = Math.round(75_000 * scale);

  for (const id of sampleDistinct(rng, 1, ids.patient_id - 1, Math.max(3, Math.round(60 * scale)))) {
    const postal = rng.pick(SECTORS) + String(rng.int(0, 9999)).padStart(4, '0');
    updated.patients += await store.run(
      `UPDATE patients SET postal_code = ${p(1)}, updated_at = ${p(2)} WHERE patient_id = ${p(3)}`,
      [postal, stamp(), id],
    );
  }
  const hiA = ids.attendance_id - 1;
  for (const id of sampleDistinct(
    rng,
    Math.max(1, hiA - recent),
    hiA,
    Math.max(5, Math.round(125 * scale)),
  )) {
    updated.attendances += await store.run(
      `UPDATE attendances SET waiting_time_min = ${p(1)}, updated_at = ${p(2)} WHERE attendance_id = ${p(3)}`,
      [rng.int(5, 150), stamp(), id],
    );
  }
  const hiL = ids.lab_result_id - 1;
  const labIds = sampleDistinct(rng, Math.max(1, hiL - recent), hiL, Math.max(5, Math.round(170 * scale)));
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
