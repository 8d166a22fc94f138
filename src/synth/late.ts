/**
 * Late rows on each open day of an advance: lab results committed on the day but stamped on the
 * previous open day, behind the watermark an incremental extraction took after that day was
 * loaded (a point-of-care analyser syncing yesterday's results this morning, stamped with
 * yesterday's times). Their ids are new, so they sort after every existing key, but behind the
 * watermark in (updated_at, id) order: only an extraction with a lookback finds them.
 *
 * The generator reserves their ids ahead of each day's rows (`continueTimeline` with
 * `lateRows`), so how many there are depends on the timeline only ({@link lateLabCount}); what
 * they hold depends on the stored state (the visits they belong to, the table's watermark).
 */
import type { Row } from '../schema/column-types.js';
import {
  formatDate,
  formatLocal,
  formatUtc,
  localToUtc,
  parseInstant,
  SGT_OFFSET_US,
  US_PER_DAY,
  US_PER_HOUR,
  US_PER_MINUTE,
} from './calendar.js';
import { LAB_TESTS, type LabCode } from './catalog.js';
import type { AdvanceDay, ChangeCounts } from './changes.js';
import { attendanceCount } from './generator.js';
import { abnormalFlag, labValues } from './labs.js';
import { Rng, Weighted } from './prng.js';
import { DIABETES_MASK } from './reference.js';
import type { DemoStore } from './store.js';

/** Late results per attendance of the previous open day. */
export const LATE_LAB_RATE = 0.002;
/** Late results on an open day that has a previous open day, at least. */
export const MIN_LATE_LABS = 3;
/** Late results are stamped within this span before the watermark (or the previous day's end). */
export const LATE_SPAN_US = 7 * US_PER_HOUR;

// Point-of-care tests whose values and reference intervals depend on neither sex nor age, which
// the attendance row does not carry.
const POC_TESTS = new Weighted<LabCode>([
  ['HBA1C', 4],
  ['FBG', 4],
  ['K', 1],
  ['NA', 1],
]);

/** The last open day (with attendances) before `day`, or null when there is none since `startDay`. */
export function previousOpenDay(seed: number, scale: number, startDay: number, day: number): number | null {
  for (let p = day - 1; p >= startDay; p--) if (attendanceCount(seed, p, scale) > 0) return p;
  return null;
}

/**
 * Late lab results on day `index` of the timeline: none on a closed day or when no open day
 * precedes it, else {@link LATE_LAB_RATE} of the previous open day's attendances, at least
 * {@link MIN_LATE_LABS}.
 */
export function lateLabCount(seed: number, scale: number, startDay: number, index: number): number {
  const day = startDay + index;
  if (attendanceCount(seed, day, scale) === 0) return 0;
  const prev = previousOpenDay(seed, scale, startDay, day);
  if (prev === null) return 0;
  return Math.max(MIN_LATE_LABS, Math.round(attendanceCount(seed, prev, scale) * LATE_LAB_RATE));
}

interface Visit {
  patientId: number;
  /** Arrival, Singapore wall-clock µs. */
  arrival: number;
}

/** Inserts the day's late lab results, with ids from the day's first reserved `lab_result_id`. */
export async function insertLateRows(a: AdvanceDay, tally: ChangeCounts): Promise<void> {
  const k = lateLabCount(a.seed, a.scale, a.startDay, a.index);
  if (k === 0) return;
  const prev = previousOpenDay(a.seed, a.scale, a.startDay, a.day)!;
  // Attendance ids are dense per day and closed days have none: the previous open day's are the last n.
  const first = a.ids.attendance_id - attendanceCount(a.seed, prev, a.scale);
  const rng = Rng.of(a.seed, 'late', a.index);
  // Several results of one visit may sync together: visits are drawn with replacement.
  const picks = Array.from({ length: k }, () => rng.int(first, a.ids.attendance_id - 1));
  const visits = await readVisits(a.store, picks);
  const endOfPrev = localToUtc((prev + 1) * US_PER_DAY);
  const upper = Math.min((await watermark(a.store)) ?? endOfPrev, endOfPrev) - 1;
  const rows: Row[] = [];
  picks.forEach((attendanceId, i) => {
    const row = lateRow(rng, a.ids.lab_result_id + i, attendanceId, visits.get(attendanceId), upper);
    if (row) rows.push(row);
  });
  if (rows.length === 0) return;
  await a.store.write({ table: 'lab_results', rows, day: a.index, date: formatDate(a.day) });
  await a.store.finishBulk();
  tally.late.lab_results += rows.length;
}

/**
 * One late result, stamped (created_at = updated_at) in the {@link LATE_SPAN_US} before `upper`
 * and collected 10-50 minutes after the visit's arrival, never after the stamp. Null when the
 * visit is missing (the id stays unused). Draws the same numbers either way.
 */
function lateRow(
  rng: Rng,
  id: number,
  attendanceId: number,
  visit: Visit | undefined,
  upper: number,
): Row | null {
  const code = POC_TESTS.pick(rng);
  const chronic = rng.chance(0.5) ? DIABETES_MASK : 0; // point-of-care HbA1c and glucose: mostly diabetics
  const [lv] = labValues(rng, { male: false, age: 60, chronic, dengue: false }, [code]);
  const stamp = upper - Math.floor(rng.next() * LATE_SPAN_US);
  const afterArrival = rng.int(10, 50) * US_PER_MINUTE + rng.int(0, 999_999);
  const beforeStamp = rng.int(5, 30) * US_PER_MINUTE;
  if (!visit || !lv) return null;
  const collected = Math.min(visit.arrival + afterArrival, stamp + SGT_OFFSET_US - beforeStamp);
  const test = LAB_TESTS[code];
  const dec4 = (v: number | null): string | null => (v === null ? null : v.toFixed(4));
  const row: Row = [id, attendanceId, visit.patientId, test.code, test.name, dec4(lv.value), test.unit];
  row.push(dec4(lv.low), dec4(lv.high), abnormalFlag(lv.value, lv.low, lv.high));
  row.push(formatLocal(collected), formatUtc(stamp), formatUtc(stamp));
  return row;
}

async function readVisits(store: DemoStore, ids: readonly number[]): Promise<Map<number, Visit>> {
  const unique = [...new Set(ids)];
  const rows = await store.query(
    `SELECT attendance_id, patient_id, ${store.timestampText('arrival_time', 'naive')} AS arrival ` +
      `FROM attendances WHERE attendance_id IN (${unique.map((_, i) => store.param(i + 1)).join(', ')})`,
    unique,
  );
  return new Map(
    rows.map((r) => [
      Number(r.attendance_id),
      { patientId: Number(r.patient_id), arrival: parseInstant(String(r.arrival)) },
    ]),
  );
}

/** The table's watermark: max(updated_at) of lab_results as UTC µs, or null when it is empty. */
async function watermark(store: DemoStore): Promise<number | null> {
  const [row] = await store.query(
    `SELECT ${store.timestampText('max(updated_at)', 'utc')} AS m FROM lab_results`,
  );
  const m = row?.m;
  return typeof m === 'string' ? parseInstant(m) : null;
}
