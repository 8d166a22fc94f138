/**
 * CSV from a batch's bytes (PostgreSQL DataRow bodies) must be byte for byte the CSV of the same
 * batch's decoded rows: every column kind, the server's usual and unusual texts, every quoting
 * case, one- and multi-byte delimiters and several null texts.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../../src/synth/prng.js';
import { OID, postgresColumnType, postgresConverter } from '../../../src/db/dialects/postgres/types.js';
import type { ColumnSpec } from '../../../src/schema/column-types.js';
import { CsvBatchEncoder } from '../../../src/write/csv-batch.js';
import { encodedRows, type WireValue } from '../dialects/pg-messages.js';

const numericTypmod = ((12 << 16) | 2) + 4;
const COLUMNS: [string, number, number, string[]][] = [
  ['id', OID.int8, -1, ['9007199254740993', '-1', '0']],
  ['n', OID.int4, -1, ['7', '-2147483648', '0']],
  ['amount', OID.numeric, numericTypmod, ['12345678901.23', '-0.50', 'NaN']],
  ['fee', OID.money, -1, ['$1,234.56', '-$0.01']],
  ['ratio', OID.float8, -1, ['0.1', '-0', '1e+100', 'NaN', 'Infinity', '-Infinity', '5e-324']],
  ['ok', OID.bool, -1, ['t', 'f']],
  ['day', OID.date, -1, ['2025-01-01', 'infinity', '0001-01-01 BC']],
  [
    'seen',
    OID.timestamp,
    3,
    ['2025-01-01 09:00:00.123', '2025-01-01 09:00:00', 'infinity', '294276-12-31 23:59:59.999'],
  ],
  [
    'at',
    OID.timestamptz,
    6,
    ['2025-01-01 09:00:00.1234+00', '2025-06-30 23:59:59+00', '0044-03-15 12:00:00+00 BC', '-infinity'],
  ],
  ['name', OID.text, -1, []],
  ['blob', OID.bytea, -1, ['\\x', '\\x00ff10', '\\x68656c6c6f']],
  ['doc', OID.jsonb, -1, ['{"a": "b,c"}', '[1, 2]', '"x\\"y"']],
];
const PIECES = [
  'a',
  'b',
  ' ',
  ',',
  ';',
  '"',
  '\n',
  '\r',
  '\t',
  '|',
  'a',
  '§',
  '陈',
  '\u00a0',
  'é',
  'NULL',
  '\\N',
  '空',
  // Three-byte characters led by E0 (Tamil) and E1/E2/E3 spaces, which are quoted at a field's edges.
  'ம',
  'ு',
  '\u3000',
  '\u2009',
  '\u1680',
];

/** A seeded integer generator in [0, n), so a failure can be replayed. */
function random(seed: number): (n: number) => number {
  const rng = new Rng(seed);
  return (n) => rng.int(0, n - 1);
}

describe('CSV from encoded rows', () => {
  const columns: ColumnSpec[] = COLUMNS.map(([name, oid, typmod]) => ({
    name,
    type: postgresColumnType(oid, typmod),
    nullable: true,
  }));
  const converters = COLUMNS.map(([, oid], i) => postgresConverter(columns[i]!.type, oid));
  const rnd = random(42);
  const text = (): string => {
    if (rnd(6) === 0) return ['', 'NULL', '\\N', '空', ' x', 'x ', '\u00a0x'][rnd(7)]!;
    let s = '';
    for (let n = rnd(12); n > 0; n--) s += PIECES[rnd(rnd(2) === 0 ? 4 : PIECES.length)]!;
    return s;
  };
  const rows: WireValue[][] = Array.from({ length: 4000 }, () =>
    COLUMNS.map(([, , , samples]) => {
      if (rnd(9) === 0) return null;
      return samples.length ? samples[rnd(samples.length)]! : text();
    }),
  );

  it('is byte for byte the CSV of the decoded rows', () => {
    let compared = 0;
    for (const delimiter of [',', ';', '\t', '|', ' ', 'a', '§', '陈'])
      for (const nullValue of ['', '\\N', 'NULL', '空']) {
        const encoder = new CsvBatchEncoder(delimiter, nullValue, columns);
        const encoded = encodedRows(rows, converters);
        // From the bytes first: the rows are decoded afterwards, for the reference.
        const fromBytes = encoder.encodeEncoded(encoded, 'h\n').toString('utf8');
        const fromRows = encoder.encode(encoded.rows(), 'h\n').toString('utf8');
        expect(fromBytes, `delimiter ${JSON.stringify(delimiter)} null ${JSON.stringify(nullValue)}`).toBe(
          fromRows,
        );
        compared++;
      }
    expect(compared).toBe(32);
  });

  it('decodes the rows the same way the bytes are written (spot check of canonical values)', () => {
    const encoded = encodedRows(
      [
        [
          '9007199254740993',
          '7',
          '1.50',
          '$1,234.56',
          '-0',
          't',
          '2025-01-01',
          '2025-01-01 09:00:00',
          '2025-01-01 09:00:00.1234+00',
          'a,b',
          '\\x68',
          '{}',
        ],
      ],
      converters,
    );
    const csv = new CsvBatchEncoder(',', '', columns).encodeEncoded(encoded).toString('utf8');
    expect(csv).toBe(
      '9007199254740993,7,1.50,1234.56,0,true,2025-01-01,2025-01-01T09:00:00.000,2025-01-01T09:00:00.123400Z,"a,b",aA==,{}\n',
    );
  });
});
