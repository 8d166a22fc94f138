import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CONDITIONS, POLYCLINICS, attendanceCount } from '../../../src/synth/index.js';
import { parseDate } from '../../../src/synth/calendar.js';
import { continueTimeline, generate, type SynthOptions } from '../../../src/synth/run.js';
import { SOURCE_TABLES, TABLES } from '../../../src/synth/tables.js';
import { col, collect, type Tables } from './collect.js';

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const NAIVE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}$/;
const UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

function digest(options: SynthOptions): string {
  const h = createHash('sha256');
  for (const chunk of generate(options)) h.update(`${chunk.table}\n${JSON.stringify(chunk.rows)}\n`);
  return h.digest('hex');
}

describe('synthetic generator', () => {
  it('is deterministic: same options give identical rows, another seed different rows', () => {
    const options = { seed: 7, scale: 0.01, days: 3, startDate: '2025-03-03' };
    expect(digest(options)).toBe(digest(options));
    expect(digest({ ...options, seed: 8 })).not.toBe(digest(options));
  });

  it('continues a timeline exactly: 2 days then 2 more equal 4 days', () => {
    const options = { seed: 3, scale: 0.01, startDate: '2025-03-06' };
    const whole = collect(generate({ ...options, days: 4 }));
    const first = generate({ ...options, days: 2 });
    const head = collect(first);
    const tail = collect(continueTimeline(first.state, 2));
    for (const t of SOURCE_TABLES) expect([...head[t], ...tail[t]]).toEqual(whole[t]);
  });

  it('produces about 25,000 attendances on a weekday at scale 1, a half day on Saturday, none on Sunday', () => {
    const day = (d: string): number => attendanceCount(42, parseDate(d), 1);
    for (const d of ['2025-03-03', '2025-03-04', '2025-03-05', '2025-03-06', '2025-03-07']) {
      expect(day(d)).toBeGreaterThan(21_000);
      expect(day(d)).toBeLessThan(30_000);
    }
    expect(day('2025-03-08')).toBeGreaterThan(9_000);
    expect(day('2025-03-08')).toBeLessThan(14_000);
    expect(day('2025-03-09')).toBe(0);
    expect(day('2025-05-01')).toBe(0); // Labour Day
    // The generator honours the count (Tuesday 2025-03-04 at scale 1).
    let n = 0;
    for (const chunk of generate({ scale: 1, days: 1, startDate: '2025-03-04' })) {
      if (chunk.table === 'attendances') n += chunk.rows.length;
    }
    expect(n).toBe(day('2025-03-04'));
    expect(Math.abs(n - 25_000)).toBeLessThan(2_500);
  });

  it('streams bounded chunks, reference data and patients first, parents before children', () => {
    const seenAttendances = new Set<number>();
    const order: string[] = [];
    let max = 0;
    for (const chunk of generate({ scale: 0.2, days: 2 })) {
      max = Math.max(max, chunk.rows.length);
      if (order.at(-1) !== chunk.table) order.push(chunk.table);
      if (chunk.table === 'attendances') for (const r of chunk.rows) seenAttendances.add(r[0] as number);
      if (['diagnoses', 'procedures', 'medications', 'lab_results'].includes(chunk.table)) {
        for (const r of chunk.rows) expect(seenAttendances.has(r[1] as number)).toBe(true);
      }
    }
    expect(max).toBeLessThanOrEqual(10_000);
    expect(order.slice(0, 3)).toEqual(['polyclinics', 'conditions', 'patients']);
  });

  describe('clean data', () => {
    const t: Tables = collect(generate({ seed: 11, scale: 0.02, days: 7, startDate: '2025-03-03' }));
    const ids = (table: keyof Tables, name: string): Set<unknown> => new Set(t[table].map(col(table, name)));

    it('keeps every row in its table shape with the documented value formats', () => {
      for (const table of SOURCE_TABLES) {
        const spec = TABLES[table];
        expect(t[table].length).toBeGreaterThan(0);
        for (const row of t[table]) {
          expect(row).toHaveLength(spec.columns.length);
          spec.columns.forEach((c, i) => {
            const v = row[i];
            if (v === null) return expect(c.nullable, `${table}.${c.name}`).toBe(true);
            const k = c.type;
            if (k.kind === 'int32' || k.kind === 'int64') expect(Number.isSafeInteger(v)).toBe(true);
            if (k.kind === 'boolean') expect(typeof v).toBe('boolean');
            if (k.kind === 'string') expect(typeof v).toBe('string');
            if (k.kind === 'date') expect(v).toMatch(DATE);
            if (k.kind === 'timestamp') expect(v).toMatch(k.tz === 'utc' ? UTC : NAIVE);
            if (k.kind === 'decimal') expect(v).toMatch(new RegExp(`^\\d+\\.\\d{${k.scale}}$`));
          });
        }
        const created = col(table, 'created_at');
        const updated = col(table, 'updated_at');
        for (const row of t[table]) expect(updated(row)! >= created(row)!).toBe(true);
      }
    });

    it('resolves every reference and numbers ids densely', () => {
      const patients = ids('patients', 'patient_id');
      const attendances = ids('attendances', 'attendance_id');
      expect(ids('polyclinics', 'polyclinic_code').size).toBe(POLYCLINICS.length);
      expect(ids('conditions', 'icd10_code').size).toBe(CONDITIONS.length);
      for (const r of t.attendances) {
        expect(patients.has(col('attendances', 'patient_id')(r))).toBe(true);
        expect(ids('polyclinics', 'polyclinic_code').has(col('attendances', 'polyclinic_code')(r))).toBe(
          true,
        );
      }
      const conditions = ids('conditions', 'icd10_code');
      for (const r of t.diagnoses) expect(conditions.has(col('diagnoses', 'icd10_code')(r))).toBe(true);
      for (const table of ['diagnoses', 'procedures', 'medications', 'lab_results'] as const) {
        for (const r of t[table]) expect(attendances.has(col(table, 'attendance_id')(r))).toBe(true);
      }
      const patientOf = new Map(t.attendances.map((r) => [r[0], col('attendances', 'patient_id')(r)]));
      for (const r of t.lab_results) expect(col('lab_results', 'patient_id')(r)).toBe(patientOf.get(r[1]));
      for (const table of SOURCE_TABLES.slice(2)) {
        const pk = t[table].map((r) => r[0] as number);
        expect(pk).toEqual(pk.map((_, i) => i + 1));
      }
    });

    it('gives each attendance one to three ranked diagnoses, primary first', () => {
      const ranks = new Map<unknown, number[]>();
      for (const r of t.diagnoses) {
        const list = ranks.get(r[1]) ?? [];
        list.push(col('diagnoses', 'diagnosis_rank')(r) as number);
        ranks.set(r[1], list);
      }
      expect(ranks.size).toBe(t.attendances.length);
      for (const list of ranks.values()) {
        expect(list.length).toBeGreaterThanOrEqual(1);
        expect(list.length).toBeLessThanOrEqual(3);
        expect(list).toEqual(list.map((_, i) => i + 1));
      }
    });

    it('keeps visits in opening hours, audit times in UTC and lab flags consistent', () => {
      const arrival = col('attendances', 'arrival_time');
      const created = col('attendances', 'created_at');
      for (const r of t.attendances) {
        const a = arrival(r) as string;
        expect(a.slice(11, 19) >= '08:00:00' && a.slice(11, 19) <= '16:30:00').toBe(true);
        expect(a.slice(0, 10)).toBe(col('attendances', 'visit_date')(r));
        // created_at is a few seconds after arrival, in UTC (Singapore is UTC+8).
        const lag = Date.parse(created(r) as string) - Date.parse(`${a}Z`) + 8 * 3600_000;
        expect(lag).toBeGreaterThanOrEqual(0);
        expect(lag).toBeLessThan(10_000);
        expect([1, 2, 3, 4]).toContain(col('attendances', 'triage_category')(r));
      }
      const [value, low, high, flag] = [
        'result_value',
        'reference_low',
        'reference_high',
        'abnormal_flag',
      ].map((n) => col('lab_results', n));
      for (const r of t.lab_results) {
        const v = value!(r) === null ? null : Number(value!(r));
        const expected =
          v === null
            ? null
            : low!(r) !== null && v < Number(low!(r))
              ? 'L'
              : high!(r) !== null && v > Number(high!(r))
                ? 'H'
                : 'N';
        expect(flag!(r)).toBe(expected);
      }
      const visitTypes = new Set(t.attendances.map(col('attendances', 'visit_type')));
      expect([...visitTypes].sort()).toEqual(
        ['Appointment', 'Chronic review', 'Follow-up', 'Health screening', 'Vaccination', 'Walk-in'].sort(),
      );
    });
  });
});
