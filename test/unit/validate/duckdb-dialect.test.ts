/**
 * The duckdb dialect that dataset-scope checks run through: canonical column types and exact
 * values (int64 beyond 2^53, decimals, microsecond timestamps before and after 1970), canonical
 * text bound against typed columns, identifiers quoted, and errors that never quote a value.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  duckdbDialect,
  openDuckdbSession,
  type DuckdbSession,
} from '../../../src/db/dialects/duckdb/index.js';
import { t } from '../../../src/schema/column-types.js';

let session: DuckdbSession;
let spill: string;
const query = (sql: string, bindings: unknown[] = []) => duckdbDialect.query(session, sql, bindings);

beforeAll(async () => {
  spill = mkdtempSync(path.join(os.tmpdir(), 'moh-duck-'));
  session = await openDuckdbSession({ memoryLimit: '64MB', threads: 1, tempDirectory: spill });
});
afterAll(() => {
  session.close();
  rmSync(spill, { recursive: true, force: true });
});

describe('duckdb dialect', () => {
  it('returns canonical types and exact values', async () => {
    const res = await query(`SELECT
      9007199254740993::BIGINT AS big, 42::INTEGER AS small,
      12345678901234567890.123456::DECIMAL(38,6) AS amount,
      SUM(x) AS total, 1.5::DOUBLE AS ratio, TRUE AS flag, 'S1'::VARCHAR AS text,
      DATE '2025-01-02' AS day,
      TIMESTAMP '2025-01-02 10:00:00.123456' AS naive,
      TIMESTAMPTZ '2025-01-02 10:00:00.000001+08' AS utc,
      TIMESTAMP '1969-12-31 23:59:59.999999' AS before_epoch,
      'ab'::BLOB AS bytes, NULL::VARCHAR AS missing
      FROM (VALUES (9007199254740993::BIGINT), (9007199254740993::BIGINT)) v(x)`);
    expect(Object.fromEntries(res.columns.map((c) => [c.name, c.type]))).toEqual({
      big: t.int64(),
      small: t.int32(),
      amount: t.decimal(38, 6),
      total: t.decimal(38, 0),
      ratio: t.float64(),
      flag: t.boolean(),
      text: t.string(),
      day: t.date(),
      naive: t.timestamp(6),
      utc: t.timestamptz(6),
      before_epoch: t.timestamp(6),
      bytes: t.binary(),
      missing: t.string(),
    });
    expect(res.rows[0]).toEqual([
      '9007199254740993',
      42,
      '12345678901234567890.123456',
      '18014398509481986',
      1.5,
      true,
      'S1',
      '2025-01-02',
      '2025-01-02T10:00:00.123456',
      '2025-01-02T02:00:00.000001Z',
      '1969-12-31T23:59:59.999999',
      expect.any(Uint8Array),
      null,
    ]);
    expect([...(res.rows[0]![11] as Uint8Array)]).toEqual([97, 98]);
  });

  it('compares canonical text bindings with typed columns by value, not as text', async () => {
    // As text, "2025-01-02 10:00" < "2025-01-02T09:00"; as timestamps it is later.
    const ts = await query(
      `SELECT COUNT(*) FROM (SELECT TIMESTAMP '2025-01-02 10:00:00' AS x) v WHERE x > ?`,
      [duckdbDialect.formatBinding('2025-01-02T09:00:00.000000', t.timestamp())],
    );
    expect(ts.rows[0]).toEqual(['1']);
    const tz = await query(
      `SELECT COUNT(*) FROM (SELECT TIMESTAMPTZ '2025-01-02 10:00:00+08' AS x) v WHERE x < ?`,
      ['2025-01-02T02:00:01.000000Z'],
    );
    expect(tz.rows[0]).toEqual(['1']);
  });

  it('quotes identifiers, limits rows and matches patterns with search semantics', async () => {
    const q = duckdbDialect.quoteIdentifier('we"ird col');
    const res = await query(
      duckdbDialect.limitRows(`SELECT * FROM (VALUES ('123456'), ('12345x'), ('0')) v(${q}) ORDER BY 1`, 2),
    );
    expect(res.columns[0]!.name).toBe('we"ird col');
    expect(res.rows).toEqual([['0'], ['123456']]);
    const match = duckdbDialect.capabilities.regexpMatch.replace('{}', q);
    const hits = await query(`SELECT COUNT(*) FROM (VALUES ('a123456b'), ('12x')) v(${q}) WHERE ${match}`, [
      '[0-9]{6}',
    ]);
    expect(hits.rows[0]).toEqual(['1']);
  });

  it('never puts a value from the data in an error message', async () => {
    const error = await query(`SELECT CAST(x AS INTEGER) FROM (VALUES ('S1234567A')) v(x)`).catch(
      (e: Error) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/^DuckDB Conversion Error \(.*not shown\)$/);
    expect((error as Error).message).not.toContain('S1234567A');
    // A binder error names a column, not a value: it keeps its text.
    const binder = await query(`SELECT nope FROM (VALUES (1)) v(x)`).catch((e: Error) => e);
    expect((binder as Error).message).toMatch(/Binder Error: .*nope/);
  });
});
