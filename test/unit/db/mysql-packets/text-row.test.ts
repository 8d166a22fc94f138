/**
 * The packet path's two readers of MySQL text-protocol rows: canonical values as a row arrives
 * (decodeRow) and the 'pg-text' layout re-packed for byte consumers (repackRow, read back through
 * MysqlEncodedRows). Both must give what mysql2's own parser followed by mysqlConverter gives (the
 * stock path), for every kind, every length code, NULLs, and rows lying anywhere in a buffer.
 */
import { describe, expect, it } from 'vitest';
import { Read } from '../../../../src/db/dialects/mysql/column-plan.js';
import { MysqlEncodedRows } from '../../../../src/db/dialects/mysql/encoded-rows.js';
import {
  decodeRow,
  repackBound,
  repackRow,
  serverTimestampInto,
} from '../../../../src/db/dialects/mysql/text-row.js';
import { canonicalTimestampInto } from '../../../../src/schema/timestamp-text.js';
import { mysqlConverter, T, type MysqlField } from '../../../../src/db/dialects/mysql/types.js';
import type { CellValue, ColumnType } from '../../../../src/schema/column-types.js';
import { Rng } from '../../../../src/synth/prng.js';
import { inOneBuffer, KINDS, planned, rowPayload, type LengthCode, type WireField } from './packets.js';

const INT_TYPES = new Set<number>([T.TINY, T.SHORT, T.LONG, T.INT24, T.YEAR]);
const BINARY = 63;

/** The value mysql2 3.x's text parser returns for these bytes (text_parser.js, our connection options). */
function mysql2Value(f: MysqlField, bytes: Buffer): unknown {
  if (INT_TYPES.has(f.columnType)) return Number(bytes.toString('latin1'));
  if (f.columnType === T.JSON) return bytes.toString('utf8');
  if (f.columnType === T.BIT || (f.characterSet === BINARY && f.columnType >= 245)) return Buffer.from(bytes);
  return bytes.toString(f.characterSet === BINARY ? 'latin1' : 'utf8');
}

/** The stock path's canonical value: mysql2's value through mysqlConverter. */
function stockValue(f: MysqlField, type: ColumnType, v: WireField): CellValue {
  if (v === null) return null;
  const bytes = typeof v === 'string' ? Buffer.from(v, 'utf8') : v;
  return mysqlConverter(type, f)(mysql2Value(f, bytes));
}

const decodeOne = (fields: MysqlField[], payload: Buffer): CellValue[] =>
  decodeRow(payload, 0, payload.length, planned(fields).plan);

function encodedOf(fields: MysqlField[], payloads: Buffer[]): MysqlEncodedRows {
  const { plan, plans } = planned(fields);
  const { bytes, spans } = inOneBuffer(payloads);
  const rows = new MysqlEncodedRows(
    plan,
    plans.map((p) => p.convert),
  );
  for (const [s, e] of spans) rows.add(bytes, s, e);
  rows.finish();
  return rows;
}

describe('MySQL row packets: every kind', () => {
  for (const { field: f, values } of KINDS) {
    it(`${f.name} (type ${f.columnType}) reads as the stock path does, both ways`, () => {
      const { columns } = planned([f]);
      const expected = values.map((v) => stockValue(f, columns[0]!.type, v));
      const decoded = values.map((v) => decodeOne([f], rowPayload([v]))[0]);
      expect(decoded).toEqual(expected);
      const encoded = encodedOf(
        [f],
        values.map((v) => rowPayload([v])),
      );
      expect(encoded.rows().map((r) => r[0])).toEqual(expected);
      expect(encoded.column(0)).toEqual(expected);
    });
  }

  it('gives the values the domain expects (spot checks)', () => {
    const byName = (name: string) => KINDS.find((k) => k.field.name === name)!.field;
    const one = (name: string, v: WireField) => decodeOne([byName(name)], rowPayload([v]))[0];
    expect(one('iz', '00042')).toBe(42);
    expect(one('yr', '0000')).toBe(0);
    expect(one('ubig', '00000000000000000042')).toBe('42');
    expect(one('ubig', '18446744073709551615')).toBe('18446744073709551615');
    expect(one('dz', '00000012.50')).toBe('12.50');
    expect(one('dz', '00000000.00')).toBe('0.00');
    // mysql2 parses this one digit by digit to 9.279693416550498; Number's nearest double is exact.
    expect(one('f', '9.279693416550499')).toBe(9.279693416550499);
    expect(one('ok', '-1')).toBe(true);
    expect(one('ok', '0')).toBe(false);
    expect(one('bit1', Buffer.from([1]))).toBe(true);
    expect(one('dt', '2024-01-02 03:04:05.123456')).toBe('2024-01-02T03:04:05.123456');
    expect(one('dt0', '2024-01-02 03:04:05')).toBe('2024-01-02T03:04:05');
    expect(one('ts', '2038-01-19 03:14:07.999')).toBe('2038-01-19T03:14:07.999Z');
    expect(one('blob', Buffer.from([0, 0xff]))).toEqual(Buffer.from([0, 0xff]));
    expect(one('txt', Buffer.from([0x61, 0xff]))).toBe('a\ufffd');
    expect(one('txt', '陈美玲 😀')).toBe('陈美玲 😀');
  });

  it('keeps the server text in the layout, ZEROFILL numbers stripped and binary as hex', () => {
    const fields = ['iz', 'ubig', 'dz', 'dt', 'blob', 'bit1'].map(
      (n) => KINDS.find((k) => k.field.name === n)!.field,
    );
    const encoded = encodedOf(fields, [
      rowPayload([
        '00042',
        '00000000000000000000',
        '00000012.50',
        '2024-01-02 03:04:05.123456',
        Buffer.from([0, 0xff]),
        Buffer.from([1]),
      ]),
    ]);
    expect(encoded.rawRow(0)).toEqual(['42', '0', '12.50', '2024-01-02 03:04:05.123456', '\\x00ff', '\\x01']);
  });
});

describe('MySQL row packets: rows', () => {
  const fields = KINDS.map((k) => k.field);
  const { columns } = planned(fields);

  /** A random row: each field a value of its kind or NULL. */
  function randomRow(rng: Rng): WireField[] {
    return KINDS.map(({ values }) => (rng.next() < 0.15 ? null : values[rng.int(0, values.length - 1)]!));
  }

  it('decode and re-pack agree with the stock path on random rows, any length code, anywhere in a buffer', () => {
    const rng = new Rng(12);
    const codes: LengthCode[] = ['shortest', 'fc', 'fd', 'fe'];
    const rows = Array.from({ length: 400 }, () => randomRow(rng));
    const payloads = rows.map((r, i) => rowPayload(r, codes[i % codes.length]));
    const expected = rows.map((r) => r.map((v, c) => stockValue(fields[c]!, columns[c]!.type, v)));
    const { bytes, spans } = inOneBuffer(payloads);
    const { plan } = planned(fields);
    expect(spans.map(([s, e]) => decodeRow(bytes, s, e, plan))).toEqual(expected);
    const encoded = encodedOf(fields, payloads);
    expect(encoded.count).toBe(rows.length);
    expect(encoded.rows()).toEqual(expected);
    expect(encoded.row(7)).toEqual(expected[7]);
  });

  it('reads a long field (over 64 KiB: a 3-byte length) and fields of 250 and 251 bytes', () => {
    const f = KINDS.find((k) => k.field.name === 'txt')!.field;
    const texts = ['é'.repeat(40_000), 'a'.repeat(250), 'b'.repeat(251), 'c'.repeat(65_535)];
    for (const t of texts) {
      expect(decodeOne([f], rowPayload([t]))).toEqual([t]);
      expect(encodedOf([f], [rowPayload([t])]).rows()).toEqual([[t]]);
    }
  });

  it('refuses a row whose fields run past its packet', () => {
    const f = KINDS.find((k) => k.field.name === 'txt')!.field;
    const whole = rowPayload(['hello', 'world']);
    const { plan } = planned([f, f]);
    expect(() => decodeRow(whole, 0, whole.length - 1, plan)).toThrow(RangeError);
    const out = Buffer.alloc(repackBound(whole.length, plan));
    expect(() => repackRow(whole, 0, whole.length - 1, plan, out, 0)).toThrow(RangeError);
    expect(() => decodeRow(Buffer.from([0xff, 1, 2]), 0, 3, planned([f]).plan)).toThrow(/length code/);
  });

  it('reads integers as Number does, beyond 15 digits and with odd text too', () => {
    const f = { ...KINDS[0]!.field };
    for (const text of ['-0', '0000000000000000012', '-999999999999999', '1234567890123456']) {
      const [v] = decodeOne([f], rowPayload([text]));
      expect(Object.is(v, Number(text))).toBe(true);
    }
    expect(planned([f]).plans[0]!.read).toBe(Read.int);
  });
});

describe('MySQL timestamp text', () => {
  it('is rewritten as canonicalTimestampInto does, or left to it', () => {
    const texts = [
      '2024-01-02 03:04:05',
      '2024-01-02 03:04:05.1',
      '2024-01-02 03:04:05.123456',
      '0000-00-00 00:00:00',
      '0000-00-00 00:00:00.000000',
      '9999-12-31 23:59:59.999999',
      '2024-01-02T03:04:05.123',
      '2024-01-02 03:04:05.12345Z',
      '2024-01-02 03:04:05+00',
      '2024-01-02 03:04:5.123',
      '2024-1-02 03:04:05.123',
      '2024-01-02 03:04:05,123',
      '12024-01-02 03:04:05',
      '2024-01-02 03:04:05.1234567',
      '2024-01-02 03:04:0x',
    ];
    let fast = 0;
    for (const text of texts)
      for (let precision = 0; precision <= 7; precision++)
        for (const utc of [false, true]) {
          const src = Buffer.from(text, 'latin1');
          const a = Buffer.alloc(64);
          const b = Buffer.alloc(64);
          const n = serverTimestampInto(src, 0, src.length, precision, utc, a, 3);
          const m = canonicalTimestampInto(src, 0, src.length, precision, utc, b, 3);
          if (n < 0) continue;
          fast++;
          expect([n, a.toString('latin1', 3, n)], `${text} p${precision} ${utc}`).toEqual([
            m,
            b.toString('latin1', 3, m),
          ]);
        }
    // Every well-formed text took the fast path at its own precision (seven of them), naive and UTC.
    expect(fast).toBe(2 * 7);
  });
});
