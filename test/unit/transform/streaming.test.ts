/**
 * A compiled transform over many batches, as the extraction pass calls it: exact outputs per row
 * (from pools of hand-checked inputs and outputs, combined with coprime periods), counters summed
 * over the run, input rows never modified, and `encoded` bytes never passed on.
 */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  t,
  type CellValue,
  type ColumnSpec,
  type EncodedRows,
  type Row,
} from '../../../src/schema/column-types.js';
import { KEY, col, compile } from './fixtures.js';

const COLUMNS: ColumnSpec[] = [
  col('attendance_id', t.int64(), false),
  col('patient_id', t.int64(), false),
  col('nric'),
  col('patient_name'),
  col('date_of_birth', t.date()),
  col('visit_date', t.date()),
  col('sex'),
  col('icd10_code'),
  col('postal_code'),
];

const SOURCE = {
  steps: [
    { step: 'trim' },
    { step: 'nulls', columns: ['sex'] },
    { step: 'case', columns: ['sex'], to: 'upper' },
    { step: 'map', column: 'sex', values: { MALE: 'M', FEMALE: 'F' } },
    { step: 'icd10', columns: ['icd10_code'] },
    { step: 'derive', kind: 'age', name: 'age_at_visit', from: 'date_of_birth', at: 'visit_date' },
    { step: 'derive', kind: 'epi_week', name: 'visit_epi_week', from: 'visit_date' },
  ],
  pii: {
    patient_id: 'pseudonymise',
    nric: 'pseudonymise',
    patient_name: 'drop',
    date_of_birth: { generalise: '5y_band' },
    postal_code: { generalise: 'sector' },
  },
};

const hmac = (text: string): string => createHmac('sha256', KEY).update(text).digest('hex');

/** [input, output] pairs per column group; counts name the counter an input increments. */
const NRIC: [CellValue, CellValue][] = [
  [' S1234567D ', hmac('S1234567D')],
  ['S1234567D', hmac('S1234567D')],
  [null, null],
];
const SEX: [CellValue, CellValue, string?][] = [
  [' male', 'M'],
  ['FEMALE', 'F'],
  ['n/a', null, 'nulled.sex'],
  ['', null, 'nulled.sex'],
  ['X', 'X', 'unmatched.sex'],
];
const ICD: [CellValue, CellValue, string?][] = [
  ['e11.9', 'E11.9'],
  [' E119 ', 'E11.9'],
  ['E11.', 'E11'],
  ['garbage', 'garbage', 'unrecognised.icd10_code'],
  [null, null],
  ['u07.1', 'U07.1'],
];
/** [dob, visit] → [band, visit, age, week]. */
const DATES: [CellValue[], CellValue[]][] = [
  [
    ['1990-06-15', '2025-01-01'],
    ['1990-1994', '2025-01-01', 34, '2025-W01'],
  ],
  [
    ['2000-02-29', '2024-12-29'],
    ['2000-2004', '2024-12-29', 24, '2025-W01'],
  ],
  [
    [null, '2021-01-02'],
    [null, '2021-01-02', null, '2020-W53'],
  ],
  [
    ['1985-07-14', '2023-01-01'],
    ['1985-1989', '2023-01-01', 37, '2023-W01'],
  ],
];
const POSTAL: [CellValue, CellValue, string?][] = [
  ['569666', '56'],
  ['12345', null, 'unrecognised.postal_code'],
  [null, null],
];

function input(i: number): Row {
  const [dob, visit] = DATES[i % DATES.length]![0];
  return [
    String(1_000_000 + i),
    String(9_007_199_254_740_993n + BigInt(i % 11)), // beyond 2^53: text, never a number
    NRIC[i % NRIC.length]![0],
    `Patient ${i}`,
    dob!,
    visit!,
    SEX[i % SEX.length]![0],
    ICD[i % ICD.length]![0],
    POSTAL[i % POSTAL.length]![0],
  ];
}

function expected(i: number, counts: Record<string, number>): Row {
  const [band, visit, age, week] = DATES[i % DATES.length]![1];
  const sex = SEX[i % SEX.length]!;
  const icd = ICD[i % ICD.length]!;
  const postal = POSTAL[i % POSTAL.length]!;
  for (const name of [sex[2], icd[2], postal[2]]) if (name) counts[name] = (counts[name] ?? 0) + 1;
  return [
    String(1_000_000 + i),
    hmac(String(9_007_199_254_740_993n + BigInt(i % 11))),
    NRIC[i % NRIC.length]![1],
    band!,
    visit!,
    sex[1],
    icd[1],
    postal[1],
    age!,
    week!,
  ];
}

describe('a compiled transform over a stream of batches', () => {
  it('gives exact rows for every batch, sums counters over the run and never touches its input', () => {
    const tr = compile(COLUMNS, SOURCE);
    expect(tr.columns.map((c) => `${c.name}:${c.type.kind}`)).toEqual([
      'attendance_id:int64',
      'patient_id:string',
      'nric:string',
      'date_of_birth:string',
      'visit_date:date',
      'sex:string',
      'icd10_code:string',
      'postal_code:string',
      'age_at_visit:int32',
      'visit_epi_week:string',
    ]);
    const counts: Record<string, number> = {};
    const BATCHES = 40;
    const SIZE = 250;
    for (let b = 0; b < BATCHES; b++) {
      const rows = Array.from({ length: SIZE }, (_, r) => input(b * SIZE + r));
      const before = structuredClone(rows);
      const out = tr.apply({ columns: COLUMNS, rows });
      expect(rows).toEqual(before);
      expect(out.columns).toEqual(tr.columns);
      const want = rows.map((_, r) => expected(b * SIZE + r, counts));
      expect(out.rows).toEqual(want);
    }
    const total = BATCHES * SIZE;
    expect(tr.counters()).toEqual({
      rows_in: total,
      rows_out: total,
      'nulled.sex': counts['nulled.sex'],
      'unmatched.sex': counts['unmatched.sex'],
      'unrecognised.icd10_code': counts['unrecognised.icd10_code'],
      'unrecognised.age_at_visit': 0,
      'unrecognised.visit_epi_week': 0,
      'unrecognised.date_of_birth': 0,
      'unrecognised.postal_code': counts['unrecognised.postal_code'],
    });
    expect(counts['nulled.sex']).toBe((total / SEX.length) * 2);
  });

  it('returns new rows without the input’s wire bytes, and passes an untouched source through as is', () => {
    const rows = [input(0)];
    const encoded = { kind: 'pg-text', count: 1 } as unknown as EncodedRows;
    const out = compile(COLUMNS, SOURCE).apply({ columns: COLUMNS, rows, encoded });
    expect(out.encoded).toBeUndefined();
    expect(Object.keys(out)).toEqual(['columns', 'rows']);

    const identity = compile(COLUMNS, {});
    expect(identity.identity).toBe(true);
    const batch = { columns: COLUMNS, rows, encoded };
    expect(identity.apply(batch)).toBe(batch);
    expect(identity.counters()).toEqual({ rows_in: 1, rows_out: 1 });
  });

  it('rejects a batch with other columns than it was compiled for', () => {
    const tr = compile(COLUMNS, SOURCE);
    expect(() => tr.apply({ columns: COLUMNS.slice(1), rows: [] })).toThrow(/compiled for other columns/);
  });

  it('keeps rows of a transform without drops as independent copies', () => {
    const tr = compile(COLUMNS, { steps: [{ step: 'trim' }] });
    const rows = [input(0), input(1)];
    const out = tr.apply({ columns: COLUMNS, rows }).rows;
    expect(out[0]).not.toBe(rows[0]);
    expect(out[0]![2]).toBe('S1234567D');
    expect(rows[0]![2]).toBe(' S1234567D ');
  });
});
