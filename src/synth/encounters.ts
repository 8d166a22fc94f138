/**
 * One attendance and its child rows, with ids and timestamps. Arrival times are Singapore wall
 * clock (naive); audit columns are UTC instants a little after the clinical event, and some rows
 * are updated later the same day (never after the end of the day, so a day's rows depend only on
 * that day).
 */
import type { CellValue, Row } from '../schema/column-types.js';
import {
  formatDate,
  formatLocal,
  formatUtc,
  localToUtc,
  US_PER_DAY,
  US_PER_MINUTE,
  US_PER_SECOND,
} from './calendar.js';
import { LAB_TESTS } from './catalog.js';
import { diagnoses, prescriptions, procedures, visitType, type Patient } from './clinical.js';
import { abnormalFlag, labOrders, labValues } from './labs.js';
import { Residency } from './nric.js';
import type { Population } from './population.js';
import type { Rng } from './prng.js';
import type { SourceTable } from './tables.js';

/** Next id to assign per table (ids are dense and increase with time). */
export interface NextIds {
  patient_id: number;
  attendance_id: number;
  diagnosis_id: number;
  procedure_id: number;
  medication_id: number;
  lab_result_id: number;
}

export type Emit = (table: SourceTable, row: Row) => void;

/** Subsidised consultation fee, by residency and age (Pioneer and Merdeka generation rates for citizens). */
export function consultationFee(residency: number, age: number, birthYear: number, type: string): string {
  if (type === 'Vaccination') return '0.00';
  if (type === 'Health screening') return residency === Residency.Foreigner ? '25.00' : '5.00';
  if (residency === Residency.Foreigner) return '46.70';
  if (residency === Residency.PermanentResident) return age < 18 ? '13.70' : age < 65 ? '22.40' : '15.60';
  if (birthYear <= 1949) return '4.05';
  if (birthYear <= 1959) return '6.10';
  return age < 18 ? '7.30' : age < 65 ? '13.50' : '8.10';
}

const FEE_MULTIPLIER = [1, 1.6, 2.8] as const;

function fix4(value: number, dp: number): string {
  const s = value.toFixed(dp);
  return dp === 0 ? `${s}.0000` : s + '0000'.slice(dp);
}

const dec4 = (v: number | null): string | null => (v === null ? null : v.toFixed(4));

/**
 * Emits an attendance's diagnoses, procedures, medications and lab results, then the attendance
 * itself (it needs the children's times). Buffers are per table and flushed parent-first, so
 * the emission order across tables does not matter to loaders.
 * `arrival` is local wall-clock µs; no audit timestamp passes the end of the day.
 */
export function emitAttendance(
  rng: Rng,
  pop: Population,
  ids: NextIds,
  patientId: number,
  polyclinicCode: string,
  day: number,
  arrival: number,
  isNew: boolean,
  emit: Emit,
): void {
  const endOfDayUtc = localToUtc((day + 1) * US_PER_DAY) - 1;
  const cap = (us: number): number => Math.min(us, endOfDayUtc);
  const birthDay = pop.birthDay[patientId]!;
  const age = Math.floor((day - birthDay) / 365.2425);
  const residency = pop.residency[patientId]!;
  const patient: Patient = {
    id: patientId,
    age,
    male: pop.male[patientId] === 1,
    chronic: pop.chronic[patientId]!,
  };
  const type = visitType(rng, patient, isNew);

  // Triage (PACS 1-4) and waiting time.
  let triage = 4;
  if (type === 'Walk-in' || type === 'Follow-up') {
    const r = rng.next();
    triage = r < 0.004 ? 1 : r < 0.064 ? 2 : r < 0.4 ? 3 : 4;
  } else if (type === 'Appointment' || type === 'Chronic review') {
    triage = rng.chance(0.1) ? 3 : 4;
  }
  const hour = (arrival - day * US_PER_DAY) / 3_600_000_000;
  const peak = hour < 10.5 ? 1.6 : hour < 13 ? 1.1 : 0.8;
  let wait: number;
  if (triage === 1) wait = rng.int(0, 5);
  else if (triage === 2) wait = rng.int(5, 25);
  else if (type === 'Walk-in' || type === 'Follow-up')
    wait = Math.round(Math.min(240, rng.logNormal(35 * peak, 0.5)));
  else wait = Math.round(Math.min(120, rng.logNormal(15 * (peak > 1 ? 1.2 : 1), 0.5)));
  const waitingRecorded = !rng.chance(0.008);

  const dx = diagnoses(rng, patient, type);
  const procs = procedures(rng, patient, type, dx);
  const rx = prescriptions(rng, patient, type, dx);
  const labs = labOrders(rng, patient, type, dx);

  const attendanceId = ids.attendance_id++;
  const consult = arrival + wait * US_PER_MINUTE + rng.int(0, 59) * US_PER_SECOND;
  const diagnosedAt = consult + rng.int(3 * 60, 12 * 60) * US_PER_SECOND + rng.int(0, 999_999);
  let lastEvent = diagnosedAt;
  const diagnosedLocal = formatLocal(diagnosedAt);

  dx.forEach((code, i) => {
    const created = cap(localToUtc(diagnosedAt) + rng.int(1, 90) * US_PER_SECOND + rng.int(0, 999_999));
    const updated = rng.chance(0.04) ? cap(created + rng.int(10, 180) * US_PER_MINUTE) : created;
    emit('diagnoses', [
      ids.diagnosis_id++,
      attendanceId,
      code,
      i + 1,
      diagnosedLocal,
      formatUtc(created),
      formatUtc(updated),
    ]);
  });
  const mult = FEE_MULTIPLIER[residency] ?? 1;
  for (const proc of procs) {
    const at = diagnosedAt + rng.int(5 * 60, 40 * 60) * US_PER_SECOND + rng.int(0, 999_999);
    lastEvent = Math.max(lastEvent, at);
    const created = cap(localToUtc(at) + rng.int(5, 120) * US_PER_SECOND + rng.int(0, 999_999));
    const updated = rng.chance(0.02) ? cap(created + rng.int(10, 240) * US_PER_MINUTE) : created;
    const fee = (Math.round(proc.fee * mult * 100) / 100).toFixed(2);
    emit('procedures', [
      ids.procedure_id++,
      attendanceId,
      proc.code,
      proc.name,
      formatLocal(at),
      fee,
      formatUtc(created),
      formatUtc(updated),
    ]);
  }
  for (const p of rx) {
    const at = diagnosedAt + rng.int(30, 240) * US_PER_SECOND + rng.int(0, 999_999);
    lastEvent = Math.max(lastEvent, at);
    const created = cap(localToUtc(at) + rng.int(1, 60) * US_PER_SECOND + rng.int(0, 999_999));
    const updated = rng.chance(0.03) ? cap(created + rng.int(5, 120) * US_PER_MINUTE) : created;
    const row: CellValue[] = [ids.medication_id++, attendanceId, p.drug.code, p.drug.name, p.drug.dose];
    row.push(
      p.drug.frequency,
      p.quantity,
      p.durationDays,
      formatLocal(at),
      formatUtc(created),
      formatUtc(updated),
    );
    emit('medications', row);
  }
  if (labs.length > 0) {
    const at = diagnosedAt + rng.int(10 * 60, 50 * 60) * US_PER_SECOND + rng.int(0, 999_999);
    lastEvent = Math.max(lastEvent, at);
    const dengue = dx[0] === 'A90';
    const values = labValues(rng, { male: patient.male, age, chronic: patient.chronic, dengue }, labs);
    for (const lv of values) {
      const test = LAB_TESTS[lv.code];
      const value = rng.chance(0.003) ? null : lv.value;
      // Results are released 1-4 h after collection, or before midnight for late samples.
      const room = endOfDayUtc - localToUtc(at);
      const created =
        localToUtc(at) +
        Math.min(rng.int(60, 240) * US_PER_MINUTE + rng.int(0, 999_999), Math.floor(room * 0.8));
      const updated = rng.chance(0.05)
        ? created + Math.min(rng.int(30, 300) * US_PER_MINUTE, Math.floor((endOfDayUtc - created) * 0.9))
        : created;
      const row: CellValue[] = [ids.lab_result_id++, attendanceId, patientId, test.code, test.name];
      row.push(value === null ? null : fix4(value, test.dp), test.unit, dec4(lv.low), dec4(lv.high));
      row.push(abnormalFlag(value, lv.low, lv.high), formatLocal(at), formatUtc(created), formatUtc(updated));
      emit('lab_results', row);
    }
  }

  const created = localToUtc(arrival) + rng.int(300_000, 4_000_000);
  const updated = rng.chance(0.85) ? cap(localToUtc(lastEvent) + rng.int(3, 20) * US_PER_MINUTE) : created;
  const birthYear = Number(formatDate(birthDay).slice(0, 4));
  emit('attendances', [
    attendanceId,
    patientId,
    polyclinicCode,
    formatDate(day),
    formatLocal(arrival),
    type,
    triage,
    waitingRecorded ? wait : null,
    consultationFee(residency, age, birthYear, type),
    formatUtc(created),
    formatUtc(updated),
  ]);
}
