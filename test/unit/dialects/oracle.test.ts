/**
 * Oracle dialect, without a server: snapshots of every statement it generates (built with the
 * extractor's own keyset functions), and the metadata → type mapping and value conversion on
 * node-oracledb's documented shapes. The driver-facing parts are in oracle-driver.test.ts.
 */
import knexFactory from 'knex';
import { describe, expect, it } from 'vitest';
import {
  convertingSelectList,
  convertingSql,
  oracleBinds,
  ORACLE_SESSION_SQL,
  positionalPlaceholders,
} from '../../../src/db/dialects/oracle/sql.js';
import {
  numberType,
  oracleColumn,
  oracleConverter,
  oracleFetchAs,
} from '../../../src/db/dialects/oracle/types.js';
import { batchQuery, countQuery, probeQuery } from '../../../src/extract/keyset.js';
import { t, type ColumnType } from '../../../src/schema/column-types.js';
import { column, d, later, meta, plan } from './oracle-fakes.js';

const describeType = (type: ColumnType) => JSON.stringify(type).replace(/"/g, '');

describe('Oracle statements', () => {
  it('first and later keyset batches: FETCH FIRST n ROWS ONLY after the ORDER BY', () => {
    const first = batchQuery(d, plan(), undefined);
    expect(positionalPlaceholders(first.sql, first.bindings.length)).toMatchInlineSnapshot(
      `"SELECT * FROM (SELECT a.* FROM attendances a WHERE a.region = :1) q WHERE (q."VISIT_DATE" >= :2 AND q."VISIT_DATE" < :3) AND q."UPDATED_AT" <= :4 ORDER BY q."UPDATED_AT", q."ATTENDANCE_ID" FETCH FIRST 500 ROWS ONLY"`,
    );
    const next = batchQuery(d, plan(), later);
    expect(positionalPlaceholders(next.sql, next.bindings.length)).toMatchInlineSnapshot(
      `"SELECT * FROM (SELECT a.* FROM attendances a WHERE a.region = :1) q WHERE (q."VISIT_DATE" >= :2 AND q."VISIT_DATE" < :3) AND q."UPDATED_AT" <= :4 AND (q."UPDATED_AT" >= :5 AND ((q."UPDATED_AT" > :6) OR (q."UPDATED_AT" = :7 AND q."ATTENDANCE_ID" > :8))) ORDER BY q."UPDATED_AT", q."ATTENDANCE_ID" FETCH FIRST 500 ROWS ONLY"`,
    );
    expect(oracleBinds(next.bindings)).toMatchInlineSnapshot(`
      [
        "North",
        "2025-01-01T00:00:00",
        "2025-02-01T00:00:00",
        "2025-02-01T00:00:00.000000",
        "2025-01-15T08:30:00.123456",
        "2025-01-15T08:30:00.123456",
        "2025-01-15T08:30:00.123456",
        "42",
      ]
    `);
  });

  it('the COUNT and the probe', () => {
    const count = countQuery(d, plan(), later);
    expect(positionalPlaceholders(count.sql, count.bindings.length)).toMatchInlineSnapshot(
      `"SELECT COUNT(*) AS n FROM (SELECT * FROM (SELECT a.* FROM attendances a WHERE a.region = :1) q WHERE (q."VISIT_DATE" >= :2 AND q."VISIT_DATE" < :3) AND q."UPDATED_AT" <= :4 AND (q."UPDATED_AT" >= :5 AND ((q."UPDATED_AT" > :6) OR (q."UPDATED_AT" = :7 AND q."ATTENDANCE_ID" > :8)))) c"`,
    );
    expect(probeQuery(d, plan().template).sql).toMatchInlineSnapshot(
      `"SELECT * FROM (SELECT a.* FROM attendances a WHERE a.region = ?) q FETCH FIRST 0 ROWS ONLY"`,
    );
  });

  it('what query() sends for a batch: a describe, then the converting select', () => {
    const next = batchQuery(d, plan(), later);
    const text = positionalPlaceholders(next.sql, next.bindings.length);
    expect(convertingSql(text, meta, ['UPDATED_AT', 'ATTENDANCE_ID'])).toBe(
      `SELECT ${convertingSelectList(meta)} FROM (${text}) m ORDER BY m."UPDATED_AT", m."ATTENDANCE_ID"`,
    );
    expect(meta.map((m) => convertingSelectList([m]))).toMatchInlineSnapshot(`
      [
        "m."ATTENDANCE_ID"",
        "TO_CHAR(m."UPDATED_AT", 'YYYY-MM-DD"T"HH24:MI:SS.FF6') AS "UPDATED_AT"",
        "TO_CHAR(m."VISIT_DATE", 'YYYY-MM-DD"T"HH24:MI:SS') AS "VISIT_DATE"",
        "m."AMOUNT"",
        "m."FEE"",
        "TO_CHAR(SYS_EXTRACT_UTC(m."RECORDED_AT"), 'YYYY-MM-DD"T"HH24:MI:SS.FF6') AS "RECORDED_AT"",
        "TO_CHAR(SYS_EXTRACT_UTC(m."LOCAL_AT"), 'YYYY-MM-DD"T"HH24:MI:SS.FF9') AS "LOCAL_AT"",
        "m."SCORE"",
        "m."VISITS"",
        "m."WEIGHT"",
        "m."PATIENT_NAME"",
        "m."NOTES"",
        "m."PHOTO"",
        "TO_CHAR(m."STAY") AS "STAY"",
      ]
    `);
  });

  it('numbers placeholders as knex does, but not inside literals, identifiers or comments', () => {
    const sql = 'SELECT * FROM t WHERE a = ? AND b IN (?, ?)';
    const knexSql = knexFactory({ client: 'oracledb' }).raw(sql, [1, 2, 3]).toSQL().toNative().sql;
    expect(positionalPlaceholders(sql, 3)).toBe(knexSql);
    expect(positionalPlaceholders(`SELECT '?', "b?" /* ? */ FROM t -- ?\nWHERE c = ?`, 1)).toBe(
      `SELECT '?', "b?" /* ? */ FROM t -- ?\nWHERE c = :1`,
    );
    expect(() => positionalPlaceholders('SELECT ? FROM dual', 0)).toThrow(/1 placeholders but 0 bindings/);
  });

  it('session settings and the clock', () => {
    expect(ORACLE_SESSION_SQL).toMatchInlineSnapshot(
      `"ALTER SESSION SET TIME_ZONE = 'UTC' NLS_DATE_FORMAT = 'YYYY-MM-DD"T"HH24:MI:SS' NLS_TIMESTAMP_FORMAT = 'YYYY-MM-DD"T"HH24:MI:SS.FF' NLS_TIMESTAMP_TZ_FORMAT = 'YYYY-MM-DD"T"HH24:MI:SS.FF' NLS_NUMERIC_CHARACTERS = '.,' NLS_SORT = BINARY NLS_COMP = BINARY"`,
    );
    expect(d.clockSql).toMatchInlineSnapshot(
      `"SELECT TO_CHAR(SYS_EXTRACT_UTC(SYSTIMESTAMP), 'YYYY-MM-DD"T"HH24:MI:SS.FF6"Z"') AS "now" FROM dual"`,
    );
  });
});

describe('Oracle types and values', () => {
  it('maps node-oracledb metadata to canonical types and fetch types', () => {
    expect(meta.map((m) => `${m.name}: ${describeType(oracleColumn(m).type)} ${oracleFetchAs(m) ?? ''}`))
      .toMatchInlineSnapshot(`
        [
          "ATTENDANCE_ID: {kind:int64} string",
          "UPDATED_AT: {kind:timestamp,tz:naive,precision:6} ",
          "VISIT_DATE: {kind:timestamp,tz:naive,precision:0} ",
          "AMOUNT: {kind:decimal,precision:38,scale:6} string",
          "FEE: {kind:decimal,precision:10,scale:2} string",
          "RECORDED_AT: {kind:timestamp,tz:utc,precision:6} ",
          "LOCAL_AT: {kind:timestamp,tz:utc,precision:9} ",
          "SCORE: {kind:decimal,precision:38,scale:10} string",
          "VISITS: {kind:int32} string",
          "WEIGHT: {kind:float64} ",
          "PATIENT_NAME: {kind:string} ",
          "NOTES: {kind:string} string",
          "PHOTO: {kind:binary} buffer",
          "STAY: {kind:string} ",
        ]
      `);
    expect(numberType(5, -2)).toEqual(t.int32()); // NUMBER(5,-2): 7 digits
    expect(numberType(19, 0)).toEqual(t.decimal(19, 0));
    expect(numberType(3, 5)).toEqual(t.decimal(5, 5));
    expect(numberType(0, 0)).toEqual(t.decimal(38, 0)); // INTEGER
    expect(numberType(126, -127)).toEqual(t.decimal(38, 10)); // FLOAT
    expect(() => oracleColumn(column('OBJ', 'DB_TYPE_OBJECT'))).toThrow(/cannot be extracted/);
  });

  it('converts what the driver delivers (NUMBER text, TO_CHAR text) to canonical values', () => {
    const convert = meta.map((m) => oracleConverter(m, oracleColumn(m).type));
    const driverRow = [
      '9007199254740993',
      '2025-03-04T05:06:07.123456',
      '0001-01-01T00:00:00',
      '12345678901234567890.123456',
      '1.5',
      // 2025-01-01 09:00:00.000000 +08:00 after SYS_EXTRACT_UTC and TO_CHAR
      '2025-01-01T01:00:00.000000',
      '9999-12-31T23:59:59.999999999',
      '.5',
      '7',
      36.6,
      'Tan Ah Kow',
      'long text',
      Buffer.from([1, 2]),
      '+01 02:03:04.500000',
    ];
    expect(driverRow.map((v, i) => convert[i]!(v))).toEqual([
      '9007199254740993',
      '2025-03-04T05:06:07.123456',
      '0001-01-01T00:00:00',
      '12345678901234567890.123456',
      '1.50',
      '2025-01-01T01:00:00.000000Z',
      '9999-12-31T23:59:59.999999999Z',
      '0.5',
      7,
      36.6,
      'Tan Ah Kow',
      'long text',
      Buffer.from([1, 2]),
      '+01 02:03:04.500000',
    ]);
    expect(convert[2]!('9999-12-31T23:59:59')).toBe('9999-12-31T23:59:59');
    expect(convert[4]!('-.05')).toBe('-0.05');
    expect(convert[4]!('3')).toBe('3.00');
  });

  it('binds exactly and shapes bounds for the session NLS formats', () => {
    expect(oracleBinds([9007199254740993n, true, 'x', 7, null])).toEqual([
      '9007199254740993',
      1,
      'x',
      7,
      null,
    ]);
    expect(() => oracleBinds([2 ** 60])).toThrow(/2\^53/);
    expect(() => oracleBinds([new Date()])).toThrow(/ISO 8601/);
    expect(d.formatBinding('2025-01-01', t.timestamp(0))).toBe('2025-01-01T00:00:00');
    expect(d.formatBinding('2025-01-01T09:00:00.123000', t.timestamp(0))).toBe('2025-01-01T09:00:00');
    expect(d.formatBinding('2025-01-01T09:00:00.123000', t.timestamp(9))).toBe('2025-01-01T09:00:00.123000');
    expect(d.formatBinding('2024-12-31T16:00:00.000000Z', t.timestamptz(6))).toBe(
      '2024-12-31T16:00:00.000000',
    );
    expect(d.keyBinding(9007199254740993n, t.int64())).toBe('9007199254740993');
    expect(d.keyBinding('.5', t.decimal(38, 10))).toBe('.5');
  });
});
