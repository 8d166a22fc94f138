/**
 * SQL Server dialect, without a server: snapshots of every statement it generates (built with the
 * extractor's own keyset functions), and the metadata → type mapping and value conversion on
 * tedious's documented shapes. The driver-facing parts are in mssql-driver.test.ts.
 */
import knexFactory from 'knex';
import { describe, expect, it } from 'vitest';
import {
  convertingSelectList,
  convertingSql,
  mssqlParameters,
  mssqlSessionSql,
  namedPlaceholders,
  probeSql,
  type MssqlParameter,
} from '../../../src/db/dialects/mssql/sql.js';
import { isNullable, mssqlColumn, mssqlConverter } from '../../../src/db/dialects/mssql/types.js';
import { batchQuery, countQuery, probeQuery } from '../../../src/extract/keyset.js';
import { t, type ColumnType } from '../../../src/schema/column-types.js';
import { column, d, later, meta, plan, TDS } from './mssql-fakes.js';

const show = (params: MssqlParameter[]) => params.map((p) => `@${p.name} ${p.type} ${String(p.value)}`);
const describeType = (type: ColumnType) => JSON.stringify(type).replace(/"/g, '');

describe('SQL Server statements', () => {
  it('first and later keyset batches: TOP (n) after SELECT, valid with the ORDER BY', () => {
    const first = batchQuery(d, plan(), undefined);
    expect(namedPlaceholders(first.sql, first.bindings.length)).toMatchInlineSnapshot(
      `"SELECT TOP (500) * FROM (SELECT a.* FROM dbo.attendances a WHERE a.region = @p0) q WHERE (q.[visit_date] >= @p1 AND q.[visit_date] < @p2) AND q.[updated_at] <= @p3 ORDER BY q.[updated_at], q.[attendance_id]"`,
    );
    const next = batchQuery(d, plan(), later);
    expect(namedPlaceholders(next.sql, next.bindings.length)).toMatchInlineSnapshot(
      `"SELECT TOP (500) * FROM (SELECT a.* FROM dbo.attendances a WHERE a.region = @p0) q WHERE (q.[visit_date] >= @p1 AND q.[visit_date] < @p2) AND q.[updated_at] <= @p3 AND (q.[updated_at] >= @p4 AND ((q.[updated_at] > @p5) OR (q.[updated_at] = @p6 AND q.[attendance_id] > @p7))) ORDER BY q.[updated_at], q.[attendance_id]"`,
    );
    expect(show(mssqlParameters(next.bindings))).toMatchInlineSnapshot(`
      [
        "@p0 VarChar North",
        "@p1 VarChar 2025-01-01",
        "@p2 VarChar 2025-02-01",
        "@p3 VarChar 2025-02-01T00:00:00.000000",
        "@p4 VarChar 2025-01-15T08:30:00.1234567",
        "@p5 VarChar 2025-01-15T08:30:00.1234567",
        "@p6 VarChar 2025-01-15T08:30:00.1234567",
        "@p7 BigInt 42",
      ]
    `);
  });

  it('the COUNT and the probe', () => {
    const count = countQuery(d, plan(), later);
    expect(namedPlaceholders(count.sql, count.bindings.length)).toMatchInlineSnapshot(
      `"SELECT COUNT_BIG(*) AS n FROM (SELECT * FROM (SELECT a.* FROM dbo.attendances a WHERE a.region = @p0) q WHERE (q.[visit_date] >= @p1 AND q.[visit_date] < @p2) AND q.[updated_at] <= @p3 AND (q.[updated_at] >= @p4 AND ((q.[updated_at] > @p5) OR (q.[updated_at] = @p6 AND q.[attendance_id] > @p7)))) c"`,
    );
    const probe = probeQuery(d, plan().template);
    expect(probe.sql).toMatchInlineSnapshot(
      `"SELECT TOP (0) * FROM (SELECT a.* FROM dbo.attendances a WHERE a.region = ?) q"`,
    );
  });

  it('what query() sends for a batch: a zero-row probe, then the converting select', () => {
    const next = batchQuery(d, plan(), later);
    const text = namedPlaceholders(next.sql, next.bindings.length);
    expect(probeSql(text)).toBe(`SELECT TOP (0) * FROM (${text}) AS m`);
    expect(convertingSql(text, meta, ['updated_at', 'attendance_id'])).toBe(
      `SELECT ${convertingSelectList(meta)} FROM (${text}) AS m ORDER BY m.[updated_at], m.[attendance_id]`,
    );
    expect(meta.map((m) => convertingSelectList([m]))).toMatchInlineSnapshot(`
      [
        "m.[attendance_id]",
        "CONVERT(varchar(27), m.[updated_at], 126) AS [updated_at]",
        "CONVERT(varchar(10), m.[visit_date], 23) AS [visit_date]",
        "CONVERT(varchar(42), m.[amount]) AS [amount]",
        "CONVERT(varchar(30), m.[fee], 2) AS [fee]",
        "CONVERT(varchar(27), CONVERT(datetime2(7), SWITCHOFFSET(m.[recorded_at], '+00:00')), 126) + 'Z' AS [recorded_at]",
        "CONVERT(varchar(27), m.[seen_at], 126) AS [seen_at]",
        "CONVERT(varchar(27), m.[legacy_at], 126) AS [legacy_at]",
        "m.[is_active]",
        "m.[patient_name]",
        "CONVERT(varchar(16), m.[visit_time]) AS [visit_time]",
        "m.[weight]",
      ]
    `);
  });

  it('numbers placeholders as knex does, but not inside literals, identifiers or comments', () => {
    const sql = 'SELECT * FROM t WHERE a = ? AND b IN (?, ?)';
    const knexSql = knexFactory({ client: 'mssql' }).raw(sql, [1, 2, 3]).toSQL().toNative().sql;
    expect(namedPlaceholders(sql, 3)).toBe(knexSql);
    expect(namedPlaceholders(`SELECT '?', [a?], "b?" /* ? */ FROM t -- ?\nWHERE c = ?`, 1)).toBe(
      `SELECT '?', [a?], "b?" /* ? */ FROM t -- ?\nWHERE c = @p0`,
    );
    expect(() => namedPlaceholders('SELECT ?', 2)).toThrow(/1 placeholders but 2 bindings/);
  });

  it('limits with TOP after SELECT [DISTINCT], and wraps only statements without ORDER BY', () => {
    expect(d.limitRows('SELECT DISTINCT a FROM t ORDER BY a', 10)).toBe(
      'SELECT DISTINCT TOP (10) a FROM t ORDER BY a',
    );
    expect(d.limitRows('WITH x AS (SELECT 1 AS a) SELECT a FROM x', 0)).toBe(
      'SELECT TOP (0) * FROM (WITH x AS (SELECT 1 AS a) SELECT a FROM x) AS l',
    );
    expect(() => d.limitRows('WITH x AS (SELECT 1 AS a) SELECT a FROM x ORDER BY a', 5)).toThrow();
  });

  it('session settings and the clock', () => {
    expect(mssqlSessionSql(30_000)).toMatchInlineSnapshot(
      `"SET LOCK_TIMEOUT 30000; SET TRANSACTION ISOLATION LEVEL READ COMMITTED; SET DATEFORMAT ymd"`,
    );
    expect(d.clockSql).toMatchInlineSnapshot(
      `"SELECT CONVERT(varchar(27), SYSUTCDATETIME(), 126) + 'Z' AS now"`,
    );
  });
});

describe('SQL Server types and values', () => {
  it('maps tedious metadata to canonical types', () => {
    const types = meta.map((m) => `${m.colName}: ${describeType(mssqlColumn(m).type)}`);
    expect(types).toMatchInlineSnapshot(`
      [
        "attendance_id: {kind:int64}",
        "updated_at: {kind:timestamp,tz:naive,precision:7}",
        "visit_date: {kind:date}",
        "amount: {kind:decimal,precision:38,scale:6}",
        "fee: {kind:decimal,precision:19,scale:4}",
        "recorded_at: {kind:timestamp,tz:utc,precision:7}",
        "seen_at: {kind:timestamp,tz:naive,precision:6}",
        "legacy_at: {kind:timestamp,tz:naive,precision:3}",
        "is_active: {kind:boolean}",
        "patient_name: {kind:string}",
        "visit_time: {kind:string}",
        "weight: {kind:float64}",
      ]
    `);
    expect(meta.map(isNullable)).toEqual([
      false,
      false,
      true,
      true,
      true,
      true,
      true,
      true,
      true,
      true,
      true,
      true,
    ]);
    expect(mssqlColumn(column('n', TDS.INTN, { dataLength: 4 })).type).toEqual(t.int32());
    expect(mssqlColumn(column('n', TDS.INTN, { dataLength: 8 })).type).toEqual(t.int64());
    expect(mssqlColumn(column('m', TDS.MONEYN, { dataLength: 4 })).type).toEqual(t.decimal(10, 4));
    expect(mssqlColumn(column('s', TDS.DATETIMN, { dataLength: 4 })).type).toEqual(t.timestamp(0));
    expect(mssqlColumn(column('g', TDS.GUIDN, { dataLength: 16 })).type).toEqual(t.string());
    expect(mssqlColumn(column('b', TDS.BIGVARBIN, { dataLength: 8000 })).type).toEqual(t.binary());
  });

  it('converts the values tedious delivers after the CONVERTs to canonical values', () => {
    const convert = meta.map((m) => mssqlConverter(mssqlColumn(m).type));
    // bigint arrives as tedious's exact string; CONVERTed columns as text; bit, float, nvarchar native.
    const driverRow = [
      '9007199254740993',
      '9999-12-31T23:59:59.9999999',
      '0001-01-01',
      '12345678901234567890.123456',
      '922337203685477.5807',
      // 2025-01-01T09:00:00.1234567+08:00 after SWITCHOFFSET(…, '+00:00'), datetime2(7), style 126, + 'Z'
      '2025-01-01T01:00:00.1234567Z',
      '2025-03-04T05:06:07.123456',
      '2025-01-01T09:00:00.123',
      true,
      'Tan Ah Kow',
      '09:00:00.1234567',
      36.6,
    ];
    expect(driverRow.map((v, i) => convert[i]!(v))).toEqual([
      '9007199254740993',
      '9999-12-31T23:59:59.9999999',
      '0001-01-01',
      '12345678901234567890.123456',
      '922337203685477.5807',
      '2025-01-01T01:00:00.1234567Z',
      '2025-03-04T05:06:07.123456',
      '2025-01-01T09:00:00.123',
      true,
      'Tan Ah Kow',
      '09:00:00.1234567',
      36.6,
    ]);
    // Style 126 omits an all-zero fraction; canonical text restores the column's digits.
    expect(convert[1]!('0001-01-01T00:00:00')).toBe('0001-01-01T00:00:00.0000000');
    expect(convert[5]!('2025-01-01T01:00:00Z')).toBe('2025-01-01T01:00:00.0000000Z');
    expect(convert[3]!('-.500000')).toBe('-0.500000');
  });

  it('binds exactly: typed integers, ASCII as varchar, bounds shaped per column type', () => {
    expect(show(mssqlParameters(['abc', 'Ñoño', 2 ** 31, 7, 1.5, true, 9007199254740993n, null])))
      .toMatchInlineSnapshot(`
      [
        "@p0 VarChar abc",
        "@p1 NVarChar Ñoño",
        "@p2 BigInt 2147483648",
        "@p3 Int 7",
        "@p4 Float 1.5",
        "@p5 Bit true",
        "@p6 BigInt 9007199254740993",
        "@p7 NVarChar null",
      ]
    `);
    expect(() => mssqlParameters([2 ** 60])).toThrow(/2\^53/);
    expect(() => mssqlParameters([new Date()])).toThrow(/ISO 8601/);
    expect(d.formatBinding('2025-01-01', t.timestamp(3))).toBe('2025-01-01T00:00:00');
    expect(d.formatBinding('2025-01-01T09:00:00.123000', t.timestamp(3))).toBe('2025-01-01T09:00:00.123');
    expect(d.formatBinding('2025-01-01T09:00:00.123000', t.timestamp(0))).toBe('2025-01-01T09:00:00');
    expect(d.formatBinding('2024-12-31T16:00:00.000000Z', t.timestamptz(7))).toBe(
      '2024-12-31T16:00:00.000000Z',
    );
    expect(d.formatBinding('2025-01-01', t.date())).toBe('2025-01-01');
    expect(d.keyBinding('9007199254740993', t.int64())).toBe(9007199254740993n);
    expect(d.keyBinding('2025-01-01T01:00:00.1234567Z', t.timestamptz(7))).toBe(
      '2025-01-01T01:00:00.1234567Z',
    );
  });
});
