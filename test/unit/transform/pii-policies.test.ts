/** PII policies: drop, pseudonymise, generalise and keep, after the steps. */
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { t } from '../../../src/schema/column-types.js';
import { createHmac } from 'node:crypto';
import { ENV, KEY, PATIENTS, col, compile, run } from './fixtures.js';

const row = ['1001', ' S1234567D', '1985-07-14', 'M', 'Chinese', '569666'];

describe('pseudonymise', () => {
  const pii = { patient_id: 'pseudonymise', nric: 'pseudonymise' };

  it('replaces the canonical text by its HMAC-SHA256 token and retypes the column as text', () => {
    const tr = compile(PATIENTS, { steps: [{ step: 'trim', columns: ['nric'] }], pii });
    const [out] = run(tr, PATIENTS, [row]);
    const hmac = (text: string) => createHmac('sha256', KEY).update(text).digest('hex');
    expect(out![0]).toBe(hmac('1001'));
    expect(out![1]).toBe(hmac('S1234567D'));
    expect(tr.columns[0]).toEqual({ name: 'patient_id', type: { kind: 'string' }, nullable: false });
    expect(run(tr, PATIENTS, [[...row.slice(0, 1), null, ...row.slice(2)]])[0]![1]).toBeNull();
  });

  it('gives the same token across compiles and sources, whatever the column type', () => {
    const a = compile(PATIENTS, { pii });
    const b = compile(PATIENTS, { pii });
    const attendances = [col('attendance_id', t.int64()), col('patient_id', t.int64()), col('n', t.int32())];
    const c = compile(attendances, { pii: { patient_id: 'pseudonymise', n: 'pseudonymise' } });
    const fromPatients = run(a, PATIENTS, [row])[0]![0];
    expect(run(b, PATIENTS, [row])[0]![0]).toBe(fromPatients);
    const [out] = run(c, attendances, [['77', '1001', 1001]]);
    expect(out).toEqual(['77', fromPatients, fromPatients]);
  });

  it('gives other tokens under another key', () => {
    const a = compile(PATIENTS, { pii });
    const b = compile(PATIENTS, { pii }, { env: { MOH_PSEUDONYM_KEY: 'z'.repeat(40) } });
    expect(run(a, PATIENTS, [row])[0]![0]).not.toBe(run(b, PATIENTS, [row])[0]![0]);
  });

  it('never exposes the key through the compiled transform or its output', () => {
    const tr = compile(PATIENTS, { pii });
    const out = tr.apply({ columns: PATIENTS, rows: [row] });
    for (const printed of [
      JSON.stringify(tr),
      JSON.stringify(out),
      JSON.stringify(tr.counters()),
      inspect(tr, { depth: 20, showHidden: true }),
      inspect(out, { depth: 20 }),
    ]) {
      expect(printed).not.toContain(KEY);
    }
    expect(ENV.MOH_PSEUDONYM_KEY).toBe(KEY);
  });
});

describe('drop and keep', () => {
  it('drops a column after a derived column used it', () => {
    const columns = [col('dob', t.date()), col('visit_date', t.date()), col('name')];
    const tr = compile(columns, {
      steps: [{ step: 'derive', kind: 'age', name: 'age', from: 'dob', at: 'visit_date' }],
      pii: { dob: 'drop', name: 'drop' },
    });
    expect(tr.columns.map((c) => c.name)).toEqual(['visit_date', 'age']);
    expect(run(tr, columns, [['1990-01-01', '2025-01-01', 'Tan Ah Kow']])).toEqual([['2025-01-01', 35]]);
  });

  it('keeps a column unchanged', () => {
    const tr = compile(PATIENTS, { pii: { nric: 'keep' } });
    expect(tr.identity).toBe(true);
    expect(run(tr, PATIENTS, [row])).toEqual([row]);
  });
});

describe('generalise', () => {
  const dates = [col('dob', t.date()), col('at', t.timestamptz())];
  const rows = [
    ['1985-07-14', '1989-12-31T16:00:00.000000Z'],
    ['1990-01-01', '1990-01-01T00:00:00.000000Z'],
    [null, null],
    ['not a date', '1990-02-30T00:00:00Z'],
  ];

  it('year: int32 of the calendar date (a UTC instant in the configured zone)', () => {
    const tr = compile(dates, { pii: { dob: { generalise: 'year' }, at: { generalise: 'year' } } });
    expect(tr.columns.map((c) => c.type.kind)).toEqual(['int32', 'int32']);
    expect(run(tr, dates, rows)).toEqual([
      [1985, 1990],
      [1990, 1990],
      [null, null],
      [null, null],
    ]);
    expect(tr.counters()).toMatchObject({ 'unrecognised.dob': 1, 'unrecognised.at': 1 });
  });

  it('5y_band: "1985-1989", bands starting at multiples of five', () => {
    const tr = compile(dates, { pii: { dob: { generalise: '5y_band' } } });
    expect(run(tr, dates, rows).map((r) => r[0])).toEqual(['1985-1989', '1990-1994', null, null]);
    expect(tr.columns[0]!.type).toEqual({ kind: 'string' });
  });

  it('month: "YYYY-MM"', () => {
    const tr = compile(dates, { pii: { dob: { generalise: 'month' }, at: { generalise: 'month' } } });
    expect(run(tr, dates, rows).map((r) => r.join(' '))).toEqual([
      '1985-07 1990-01',
      '1990-01 1990-01',
      ' ',
      ' ',
    ]);
  });

  it('sector: two digits of a six-digit Singapore postal code, anything else NULL and counted', () => {
    const cols = [col('postal_code')];
    const tr = compile(cols, { pii: { postal_code: { generalise: 'sector' } } });
    const values = [
      '569666',
      ' 018956 ',
      '12345',
      '1234567',
      'S569666',
      '000123',
      '830000',
      '',
      null,
      '５６９６６６',
    ];
    expect(
      run(
        tr,
        cols,
        values.map((v) => [v]),
      ).map((r) => r[0]),
    ).toEqual(['56', '01', null, null, null, null, null, null, null, null]);
    expect(tr.counters()['unrecognised.postal_code']).toBe(7); // NULL is not unrecognised
  });
});
