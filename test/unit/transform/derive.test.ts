/** Derived columns through compileTransform: declared types, dates of naive and UTC timestamps. */
import { afterEach, describe, expect, it } from 'vitest';
import { t } from '../../../src/schema/column-types.js';
import { col, compile, run } from './fixtures.js';

const original = process.env.TZ;
afterEach(() => {
  process.env.TZ = original;
});

describe('derive age', () => {
  const columns = [col('date_of_birth', t.date()), col('visit_date', t.date())];
  const age = { step: 'derive', kind: 'age', name: 'age_at_visit', from: 'date_of_birth', at: 'visit_date' };

  it('appends an int32 column of completed years, NULL for NULL, counted NULL for nonsense', () => {
    const tr = compile(columns, { steps: [age] });
    expect(tr.columns.at(-1)).toEqual({ name: 'age_at_visit', type: { kind: 'int32' }, nullable: true });
    const rows = run(tr, columns, [
      ['2000-02-29', '2001-02-28'],
      ['1990-06-15', '2025-06-14'],
      [null, '2025-01-01'],
      ['1990-01-01', null],
      ['2025-02-29', '2025-03-01'], // not a real day
      ['2025-01-02', '2025-01-01'], // visit before birth
    ]);
    expect(rows.map((r) => r[2])).toEqual([1, 34, null, null, null, null]);
    expect(tr.counters()['unrecognised.age_at_visit']).toBe(2);
  });

  it('takes a UTC timestamp on its date in the configured zone, whatever the process TZ', () => {
    const cols = [col('dob', t.date()), col('arrived', t.timestamptz())];
    const step = { step: 'derive', kind: 'age', name: 'age', from: 'dob', at: 'arrived' };
    for (const tz of ['UTC', 'America/New_York', 'Asia/Singapore']) {
      process.env.TZ = tz;
      const sg = compile(cols, { steps: [step] });
      const ny = compile(cols, { steps: [step] }, { timeZone: 'America/New_York' });
      // 2025-01-01T17:30Z is 2 January 01:30 in Singapore (+8) and still 1 January in New York.
      const rows = [['1990-01-02', '2025-01-01T17:30:00.000000Z']];
      expect(run(sg, cols, rows)[0]![2]).toBe(35);
      expect(run(ny, cols, rows)[0]![2]).toBe(34);
    }
  });

  it('takes a naive timestamp on its date as written', () => {
    const cols = [col('dob', t.timestamp()), col('arrived', t.timestamp())];
    const tr = compile(cols, {
      steps: [{ step: 'derive', kind: 'age', name: 'age', from: 'dob', at: 'arrived' }],
    });
    expect(run(tr, cols, [['1990-01-02T23:59:59.999999', '2025-01-02T00:00:00.000000']])[0]![2]).toBe(35);
  });
});

describe('derive epi_week', () => {
  it('appends a string column "YYYY-Www" in MMWR weeks by default, ISO on request', () => {
    const cols = [col('visit_date', t.date())];
    const mmwr = compile(cols, {
      steps: [{ step: 'derive', kind: 'epi_week', name: 'wk', from: 'visit_date' }],
    });
    const iso = compile(cols, {
      steps: [{ step: 'derive', kind: 'epi_week', name: 'wk', from: 'visit_date', system: 'iso' }],
    });
    expect(mmwr.columns[1]).toEqual({ name: 'wk', type: { kind: 'string' }, nullable: true });
    const rows = [['2024-12-29'], ['2021-01-03'], [null], ['garbage']];
    expect(run(mmwr, cols, rows).map((r) => r[1])).toEqual(['2025-W01', '2021-W01', null, null]);
    expect(run(iso, cols, rows).map((r) => r[1])).toEqual(['2024-W52', '2020-W53', null, null]);
    expect(mmwr.counters()['unrecognised.wk']).toBe(1);
  });

  it('follows the zone offset across a daylight-saving change', () => {
    const cols = [col('at', t.timestamptz())];
    const tr = compile(
      cols,
      { steps: [{ step: 'derive', kind: 'epi_week', name: 'wk', from: 'at', system: 'iso' }] },
      {
        timeZone: 'America/New_York',
      },
    );
    // 2025-03-09 (DST starts 07:00Z): Sunday in New York; 2025-03-10T03:30Z is still Sunday 23:30 local (EDT, -4).
    const rows = [
      ['2025-03-09T04:59:59.000000Z'],
      ['2025-03-10T03:30:00.000000Z'],
      ['2025-03-10T04:00:00.000000Z'],
    ];
    expect(run(tr, cols, rows).map((r) => r[1])).toEqual(['2025-W10', '2025-W10', '2025-W11']);
  });
});
