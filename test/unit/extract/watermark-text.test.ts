import { describe, expect, it } from 'vitest';
import { mysqlDialect } from '../../../src/db/dialects/mysql/index.js';
import { postgresDialect } from '../../../src/db/dialects/postgres/index.js';
import { sqliteDialect } from '../../../src/db/dialects/sqlite/index.js';
import {
  canonicalText,
  driverValue,
  parseValueText,
  parseWatermarkText,
} from '../../../src/extract/watermark-text.js';
import { t, type ColumnType } from '../../../src/schema/column-types.js';

const value = (text: string, type: ColumnType) => {
  const r = parseValueText(text, type);
  return r.ok ? r.value : undefined;
};

describe('typed watermark values', () => {
  it('reads timestamps at the column precision, naive without a zone, UTC with one', () => {
    expect(value('2025-03-01T08:00:00', t.timestamp())).toBe('2025-03-01T08:00:00.000000');
    expect(value('2025-03-01 08:00', t.timestamp(3))).toBe('2025-03-01T08:00:00.000');
    expect(value('2025-03-01T08:00:00.5', t.timestamp(0))).toBeUndefined();
    expect(value('2025-03-01T08:00:00.500', t.timestamp(1))).toBe('2025-03-01T08:00:00.5');
    expect(value('2025-03-01T08:00:00.000', t.timestamp(0))).toBe('2025-03-01T08:00:00');
    expect(value('2025-03-01T08:00:00Z', t.timestamptz())).toBe('2025-03-01T08:00:00.000000Z');
    expect(value('2025-03-01T08:00:00.123456789012Z', t.timestamptz(12))).toBe(
      '2025-03-01T08:00:00.123456789012Z',
    );
    // An offset is converted to UTC; the forms PostgreSQL prints are accepted too.
    expect(value('2025-03-01T08:00:00+08:00', t.timestamptz())).toBe('2025-03-01T00:00:00.000000Z');
    expect(value('2025-03-01 05:30:00.25-0530', t.timestamptz())).toBe('2025-03-01T11:00:00.250000Z');
    expect(value('2025-01-01 02:00:00+08', t.timestamptz())).toBe('2024-12-31T18:00:00.000000Z');
    expect(value('2025-03-01 08:00:00.459863+00', t.timestamptz())).toBe('2025-03-01T08:00:00.459863Z');
  });

  it('refuses malformed, impossible and ambiguous timestamps', () => {
    for (const bad of [
      'garbage',
      '',
      '2025-02-30T08:00:00',
      '2025-02-29T08:00:00',
      '2025-13-01T08:00:00',
      '2025-03-01T24:00:00',
      '2025-03-01T08:60:00',
      '2025-03-01T08:00:60',
      '2025-03-01',
      '2025-03-01T08',
      '0000-01-01T00:00:00',
      '2025-03-01T08:00:00.1234567', // more digits than timestamp(6) holds
      '2025-03-01T08:00:00Z', // a zone on a wall-clock column
      '2025-03-01T08:00:00+08:00',
      ' 2025-03-01 T08:00:00',
    ])
      expect(value(bad, t.timestamp()), bad).toBeUndefined();
    expect(value('2025-03-01T08:00:00', t.timestamptz()), 'no zone on a UTC column').toBeUndefined();
    expect(value('2025-03-01T08:00:00+15:00', t.timestamptz())).toBeUndefined();
    expect(value('0001-01-01T00:30:00+01:00', t.timestamptz()), 'before year 1').toBeUndefined();
    expect(value('2024-02-29T08:00:00', t.timestamp())).toBe('2024-02-29T08:00:00.000000');
  });

  it('reads dates that exist', () => {
    expect(value('2025-03-01', t.date())).toBe('2025-03-01');
    expect(value(' 2024-02-29 ', t.date())).toBe('2024-02-29');
    for (const bad of ['2025-02-30', '2025-3-1', '2025-03-01T00:00:00', '20250301', 'yesterday'])
      expect(value(bad, t.date()), bad).toBeUndefined();
  });

  it('reads integers exactly within their width, and refuses decimals for them', () => {
    expect(value('9223372036854775807', t.int64())).toBe('9223372036854775807');
    expect(value('-9223372036854775808', t.int64())).toBe('-9223372036854775808');
    expect(value('9223372036854775808', t.int64())).toBeUndefined();
    expect(value('+007', t.int64())).toBe('7');
    expect(value('2147483647', t.int32())).toBe('2147483647');
    expect(value('2147483648', t.int32())).toBeUndefined();
    for (const bad of ['1.5', '1e3', '12abc', '', '0x10', '1,000'])
      expect(value(bad, t.int64()), bad).toBeUndefined();
  });

  it('reads decimals at the column scale, refusing digits the column cannot hold', () => {
    const d = t.decimal(10, 2);
    expect(value('12.5', d)).toBe('12.50');
    expect(value('0012', d)).toBe('12.00');
    expect(value('-0.00', d)).toBe('0.00');
    expect(value('-3.10', d)).toBe('-3.10');
    expect(value('12345678.99', d)).toBe('12345678.99');
    expect(value('123456789', d)).toBeUndefined();
    expect(value('1.234', d)).toBeUndefined();
    expect(value('1.230', d)).toBe('1.23');
    expect(value('1e2', d)).toBeUndefined();
    expect(value('7', t.decimal(5, 0))).toBe('7');
  });

  it('takes text keys as typed, and refuses binary and json keys', () => {
    expect(value(' A-1 ', t.string())).toBe(' A-1 ');
    expect(value('x', t.binary())).toBeUndefined();
    expect(value('{}', t.json())).toBeUndefined();
    expect(value('true', t.boolean())).toBe(true);
    expect(value('yes', t.boolean())).toBeUndefined();
    expect(value('-1.5e3', t.float64())).toBe(-1500);
    expect(value('NaN', t.float64())).toBeUndefined();
  });
});

describe('a typed watermark', () => {
  const columns = ['updated_at', 'attendance_id'];
  const types = [t.timestamptz(), t.int64()];

  it('takes the cursor alone or every keyset column', () => {
    expect(parseWatermarkText(['2025-03-01T08:00:00Z'], columns, types)).toEqual({
      ok: true,
      values: ['2025-03-01T08:00:00.000000Z'],
    });
    expect(parseWatermarkText(['2025-03-01T08:00:00Z', '42'], columns, types)).toEqual({
      ok: true,
      values: ['2025-03-01T08:00:00.000000Z', '42'],
    });
  });

  it('names the column and the expected shape, never the value typed', () => {
    const r = parseWatermarkText(['2025-03-01T08:00:00Z', 'S1234567D'], columns, types);
    expect(r.ok).toBe(false);
    const problem = r.ok ? '' : r.problem;
    expect(problem).toMatch(/^--watermark value 2 \(attendance_id, int64\) is not an integer between/);
    expect(problem).not.toContain('S1234567D');
    const bad = parseWatermarkText(['garbage'], columns, types);
    expect(bad.ok ? '' : bad.problem).toMatch(
      /^--watermark value 1 \(updated_at, timestamp\(6\) UTC\) is not a UTC timestamp YYYY-MM-DDTHH:MM:SS\[\.ffffff\]Z/,
    );
    const many = parseWatermarkText(['2025-03-01T08:00:00Z', '1', '2'], columns, types);
    expect(many.ok ? '' : many.problem).toBe(
      '--watermark takes 1 to 2 values, comma-separated, in keyset order (updated_at, attendance_id); the cursor alone is allowed, got 3',
    );
  });
});

describe('the driver form', () => {
  it('is the form each dialect binds a canonical time in; integers stay exact text', () => {
    const ts = '2025-03-01T08:00:00.000000Z';
    expect(driverValue(sqliteDialect, ts, t.timestamptz())).toBe(ts);
    expect(driverValue(postgresDialect, ts, t.timestamptz())).toBe(ts);
    expect(driverValue(mysqlDialect, ts, t.timestamptz())).toBe('2025-03-01 08:00:00.000000');
    expect(driverValue(mysqlDialect, '9223372036854775807', t.int64())).toBe('9223372036854775807');
  });

  it('reads back as canonical text whatever the driver printed', () => {
    expect(canonicalText('2025-03-01 08:00:00.4+00', t.timestamptz())).toBe('2025-03-01T08:00:00.400000Z');
    expect(canonicalText(42n, t.int64())).toBe('42');
    expect(canonicalText(null, t.int64())).toBe('NULL');
  });
});
