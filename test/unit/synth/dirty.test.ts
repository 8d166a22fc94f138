import { describe, expect, it } from 'vitest';
import type { Row } from '../../../src/schema/column-types.js';
import { createTableSql } from '../../../src/synth/ddl.js';
import { MAX_KEYS_PER_ENTRY, dirtyNullableColumns, type DefectKind } from '../../../src/synth/dirty.js';
import { generate } from '../../../src/synth/run.js';
import { SOURCE_TABLES, TABLES, type SourceTable } from '../../../src/synth/tables.js';
import { col, collect, type Tables } from './collect.js';

const options = { seed: 5, scale: 0.02, days: 6, startDate: '2025-03-03' };

/** Counts defects from the data alone, without looking at the generator's report. */
function countDefects(t: Tables): Map<string, number[]> {
  const found = new Map<string, number[]>();
  const add = (table: SourceTable, column: string, kind: DefectKind, row: Row): void => {
    const key = `${table}|${column}|${kind}`;
    found.set(key, [...(found.get(key) ?? []), row[0] as number]);
  };
  const set = (table: SourceTable, name: string): Set<unknown> => new Set(t[table].map(col(table, name)));
  const patients = set('patients', 'patient_id');
  const attendances = set('attendances', 'attendance_id');
  const polyclinics = set('polyclinics', 'polyclinic_code');
  const conditions = set('conditions', 'icd10_code');
  const isFuture = (v: unknown): boolean => typeof v === 'string' && v.slice(0, 4) > '2090';

  for (const table of SOURCE_TABLES) {
    for (const row of t[table]) {
      TABLES[table].columns.forEach((c, i) => {
        const v = row[i];
        if (v === null && !c.nullable) add(table, c.name, 'null_required', row);
        if ((c.type.kind === 'date' || c.type.kind === 'timestamp') && isFuture(v))
          add(table, c.name, 'future_date', row);
      });
      const get = (name: string): unknown => col(table, name)(row);
      const orphan = (name: string, valid: Set<unknown>): void => {
        if (get(name) !== null && !valid.has(get(name))) add(table, name, 'orphan_fk', row);
      };
      const negative = (name: string): void => {
        const v = get(name);
        if (v !== null && Number(v) < 0) add(table, name, 'out_of_range', row);
      };
      switch (table) {
        case 'patients':
          if (get('date_of_birth') !== null && (get('date_of_birth') as string) < '1890') {
            add(table, 'date_of_birth', 'out_of_range', row);
          }
          break;
        case 'attendances':
          orphan('patient_id', patients);
          orphan('polyclinic_code', polyclinics);
          if (![1, 2, 3, 4].includes(get('triage_category') as number))
            add(table, 'triage_category', 'out_of_range', row);
          negative('waiting_time_min');
          negative('consultation_fee');
          break;
        case 'diagnoses':
          orphan('attendance_id', attendances);
          orphan('icd10_code', conditions);
          break;
        case 'procedures':
          orphan('attendance_id', attendances);
          negative('fee');
          break;
        case 'medications':
          orphan('attendance_id', attendances);
          negative('quantity');
          negative('duration_days');
          break;
        case 'lab_results': {
          orphan('attendance_id', attendances);
          orphan('patient_id', patients);
          const v = get('result_value');
          if (v !== null && (Number(v) < 0 || Number(v) > 100_000))
            add(table, 'result_value', 'out_of_range', row);
          break;
        }
        default:
          break;
      }
    }
  }
  const seen = new Set<string>();
  for (const row of t.patients) {
    const nric = col('patients', 'nric')(row) as string;
    if (seen.has(nric)) add('patients', 'nric', 'duplicate_key', row);
    seen.add(nric);
  }
  const ranks = new Set<string>();
  for (const row of t.diagnoses) {
    const key = `${String(row[1])}/${String(col('diagnoses', 'diagnosis_rank')(row))}`;
    if (ranks.has(key)) add('diagnoses', 'diagnosis_rank', 'duplicate_key', row);
    ranks.add(key);
  }
  return found;
}

describe('dirty-data mode', () => {
  it('reports exactly the defects present in the rows', () => {
    const run = generate({ ...options, dirtyRate: 0.03 });
    const t = collect(run);
    const report = run.report;
    const found = countDefects(t);
    expect(report.rate).toBe(0.03);
    expect(report.total).toBe([...found.values()].reduce((a, k) => a + k.length, 0));
    expect(report.total).toBeGreaterThan(300);
    const reported = new Map(report.entries.map((e) => [`${e.table}|${e.column}|${e.kind}`, e]));
    expect([...reported.keys()].sort()).toEqual([...found.keys()].sort());
    for (const [key, keys] of found) {
      const e = reported.get(key)!;
      expect(e.count, key).toBe(keys.length);
      expect(e.primaryKeys, key).toEqual(keys.slice(0, MAX_KEYS_PER_ENTRY));
    }
    const kinds = new Set(report.entries.map((e) => e.kind));
    expect([...kinds].sort()).toEqual([
      'duplicate_key',
      'future_date',
      'null_required',
      'orphan_fk',
      'out_of_range',
    ]);
    // Reference tables stay clean; primary keys stay unique.
    expect(report.entries.some((e) => e.table === 'polyclinics' || e.table === 'conditions')).toBe(false);
    for (const table of SOURCE_TABLES) expect(new Set(t[table].map((r) => r[0])).size).toBe(t[table].length);
  });

  it('alters one cell per defective row and leaves the clean data otherwise identical', () => {
    const clean = collect(generate(options));
    const run = generate({ ...options, dirtyRate: 0.03 });
    const dirty = collect(run);
    let rows = 0;
    for (const table of SOURCE_TABLES) {
      expect(dirty[table]).toHaveLength(clean[table].length);
      dirty[table].forEach((row, r) => {
        const diff = row.filter((v, i) => v !== clean[table][r]![i]).length;
        expect(diff).toBeLessThanOrEqual(table === 'lab_results' ? 2 : 1); // a lab value keeps its flag consistent
        if (diff > 0) rows++;
      });
    }
    expect(rows).toBe(run.report.total);
  });

  it('injects nothing at rate 0 and lets the dirty DDL accept NULLs', () => {
    const run = generate(options);
    collect(run);
    expect(run.report).toEqual({ rate: 0, total: 0, entries: [] });
    expect([...dirtyNullableColumns('attendances')].sort()).toEqual(['polyclinic_code', 'visit_date']);
    const clean = createTableSql('postgres', TABLES.attendances, { dirty: false, primaryKey: true });
    const dirty = createTableSql('postgres', TABLES.attendances, { dirty: true, primaryKey: true });
    expect(clean).toContain('"visit_date" date NOT NULL');
    expect(dirty).toContain('"visit_date" date,');
    expect(dirty).toContain('PRIMARY KEY ("attendance_id")');
    expect(dirty).not.toMatch(/REFERENCES/i);
  });
});
