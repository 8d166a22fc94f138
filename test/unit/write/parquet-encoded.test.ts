/**
 * The Parquet builders' byte path (parquet-bytes.ts) against their value path: the same server texts
 * as an encoded batch and as the rows the dialect's converters make of them must give the same Arrow
 * buffers, usual and unusual texts alike (which the byte path hands to the value path), and the same
 * errors for what Parquet cannot store.
 */
import { describe, expect, it } from 'vitest';
import { OID, postgresColumnType, postgresConverter } from '../../../src/db/dialects/postgres/types.js';
import type { ColumnSpec } from '../../../src/schema/column-types.js';
import { Rng } from '../../../src/synth/prng.js';
import { fieldStarts } from '../../../src/write/parquet-bytes.js';
import { columnBuilder } from '../../../src/write/parquet-columns.js';
import { encodedRows, type WireValue } from '../dialects/pg-messages.js';

interface Case {
  name: string;
  oid: number;
  typmod: number;
  values: (rng: Rng) => WireValue;
}

const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[rng.int(0, xs.length - 1)]!;
const digits = (rng: Rng, n: number): string => Array.from({ length: n }, () => rng.int(0, 9)).join('');
const pad = (n: number, w: number): string => String(n).padStart(w, '0');

const stamp = (rng: Rng): string => {
  const y = pick(rng, [rng.int(1, 9999), rng.int(1900, 2100), 1970, 1969]);
  const date = `${pad(y, 4)}-${pad(rng.int(1, 12), 2)}-${pad(rng.int(1, 28), 2)}`;
  const time = `${pad(rng.int(0, 23), 2)}:${pad(rng.int(0, 59), 2)}:${pad(rng.int(0, 59), 2)}`;
  const fraction = pick(rng, ['', `.${digits(rng, rng.int(1, 6))}`]);
  return `${date} ${time}${fraction}`;
};

const CASES: Case[] = [
  { name: 'int4', oid: OID.int4, typmod: -1, values: (r) => String(r.int(-2147483648, 2147483647)) },
  {
    name: 'int8',
    oid: OID.int8,
    typmod: -1,
    values: (r) =>
      pick(r, [String(r.int(-1e9, 1e9)), `-${digits(r, 18)}`, '9223372036854775807', '-0', '+12']),
  },
  {
    name: 'numeric(20,4)',
    oid: OID.numeric,
    typmod: ((20 << 16) | 4) + 4,
    values: (r) =>
      pick(r, [
        `${r.int(-99999, 99999)}.${digits(r, 4)}`,
        `${digits(r, 16)}.${digits(r, 4)}`,
        '0',
        '-0.5',
        '12',
      ]),
  },
  {
    name: 'date',
    oid: OID.date,
    typmod: -1,
    values: (r) => pick(r, [stamp(r).slice(0, 10), '2024-02-29', '2000-01-01', '1970-01-01']),
  },
  {
    name: 'timestamp(6)',
    oid: OID.timestamp,
    typmod: 6,
    values: (r) => pick(r, [stamp(r), stamp(r), '9999-12-31 23:59:59.999999', '0001-01-01 00:00:00']),
  },
  {
    name: 'timestamptz(3)',
    oid: OID.timestamptz,
    typmod: 3,
    values: (r) =>
      `${stamp(r).slice(0, 19)}${pick(r, ['', '.5', '.123'])}${pick(r, ['+00', '+00:00', 'Z', '+0000'])}`,
  },
  {
    name: 'text',
    oid: OID.text,
    typmod: -1,
    values: (r) =>
      pick(r, [
        '',
        'plain',
        '陈美玲 😀',
        ` ${digits(r, 5)} `,
        // Invalid UTF-8: the rows decode it with replacement characters, so must the byte path.
        Buffer.from([0x61, 0xff, 0x62]),
        Buffer.from([0xe6, 0x88]),
        Buffer.from([0xed, 0xa0, 0x80]),
        Buffer.from([0x41, 0xe0, 0x80, 0x80, 0x42]),
        'முருகன் ராஜா',
      ]),
  },
  { name: 'float8', oid: OID.float8, typmod: -1, values: (r) => pick(r, ['1.5', '-0', '1e+300', '3']) },
  { name: 'bool', oid: OID.bool, typmod: -1, values: (r) => pick(r, ['t', 'f']) },
  { name: 'bytea', oid: OID.bytea, typmod: -1, values: (r) => pick(r, ['\\x', '\\x00ff10']) },
];

/** The column's Arrow buffers (values, offsets, validity) after appending `rows` both ways. */
function build(spec: ColumnSpec, oid: number, wire: WireValue[]) {
  const converter = postgresConverter(spec.type, oid);
  const encoded = encodedRows(
    wire.map((v) => [v]),
    [converter],
  );
  const fields = fieldStarts(encoded, 1, new Int32Array(0));
  const fromValues = columnBuilder(spec);
  const fromBytes = columnBuilder(spec);
  const rows = encoded.rows().map((r) => [...r]);
  // Two slices, as the writer's chunks cut batches.
  const half = wire.length >> 1;
  const outcome = (f: () => void): string | undefined => {
    try {
      f();
      return undefined;
    } catch (e) {
      return (e as Error).message;
    }
  };
  const errors = [
    outcome(() => {
      fromValues.append(rows, 0, half, 0, 0);
      fromValues.append(rows, half, wire.length, 0, half);
    }),
    outcome(() => {
      fromBytes.appendEncoded({ encoded, fields, stride: 1, start: 0, end: half, col: 0, at: 0 });
      fromBytes.appendEncoded({
        encoded,
        fields,
        stride: 1,
        start: half,
        end: wire.length,
        col: 0,
        at: half,
      });
    }),
  ];
  const hex = (x: unknown): unknown =>
    ArrayBuffer.isView(x) ? Buffer.from(x.buffer, x.byteOffset, x.byteLength).toString('hex') : x;
  const buffers = (b: typeof fromValues): unknown[] => {
    const data = b.finish(wire.length);
    const parts: unknown[] = [data.values, data.valueOffsets, data.nullBitmap, data.nullCount];
    return parts.map(hex);
  };
  return {
    errors,
    values: errors[0] ? undefined : buffers(fromValues),
    bytes: errors[1] ? undefined : buffers(fromBytes),
  };
}

describe('Parquet builders: bytes and values agree', () => {
  it.each(CASES)('$name', ({ oid, typmod, values }) => {
    for (const seed of [1, 2, 3]) {
      const rng = new Rng(seed * 7919 + oid);
      const wire = Array.from({ length: 500 }, (_, i) => (i % 11 === 0 ? null : values(rng)));
      const spec: ColumnSpec = { name: 'c', type: postgresColumnType(oid, typmod), nullable: true };
      const { errors, values: v, bytes: b } = build(spec, oid, wire);
      expect(errors).toEqual([undefined, undefined]);
      expect(b).toEqual(v);
    }
  });

  it.each([
    ['a NULL in a NOT NULL column', OID.int8, -1, ['1', null, '3'], false],
    ['a date Parquet cannot store', OID.date, -1, ['2025-01-01', 'infinity'], true],
    ['a timestamp before year 1', OID.timestamp, 6, ['2025-01-01 00:00:00', '0044-03-15 12:00:00 BC'], true],
    ['a decimal wider than its column', OID.numeric, ((6 << 16) | 2) + 4, ['1.5', '123456.7'], true],
    ['an int8 beyond 64 bits', OID.int8, -1, ['1', '9223372036854775808'], true],
    ['an int4 text that is not an integer', OID.int4, -1, ['1', '2.5'], true],
  ] as const)('fails the same way for %s', (_name, oid, typmod, wire, nullable) => {
    const spec: ColumnSpec = { name: 'c', type: postgresColumnType(oid, typmod), nullable };
    const { errors } = build(spec, oid, [...wire]);
    expect(errors[0]).toBeDefined();
    expect(errors[1]).toBe(errors[0]);
  });
});
