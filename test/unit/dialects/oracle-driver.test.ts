/**
 * Oracle dialect against fakes of its driver: error classification on node-oracledb's own error
 * objects, the query() flow on a fake thin-mode connection, and session setup.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { connectionSchema, type ConnectionConfig } from '../../../src/config/schema.js';
import { oracleDialect, oracleIsTransient } from '../../../src/db/dialects/oracle/index.js';
import {
  oracleBinds,
  ORACLE_SESSION_SQL,
  positionalPlaceholders,
} from '../../../src/db/dialects/oracle/sql.js';
import { batchQuery, probeQuery } from '../../../src/extract/keyset.js';
import { d, fakeKnex, later, meta, plan } from './oracle-fakes.js';

const errors = createRequire(import.meta.url)('oracledb/lib/errors.js') as {
  getErr(num: number, ...args: unknown[]): Error;
  transformErr(err: Error): Error;
  ERR_CONNECTION_CLOSED: number;
  ERR_CONNECTION_LOSTCONTACT: number;
  ERR_INVALID_EZCONNECT_SYNTAX: number;
};
/** A server error as thin mode receives it, then transformed as the driver does before throwing. */
const ora = (num: number, text: string) =>
  errors.transformErr(
    Object.assign(new Error(`ORA-${String(num).padStart(5, '0')}: ${text}`), { errorNum: num, offset: 0 }),
  );

describe('Oracle errors', () => {
  it('classifies lost connections and an absent listener as transient', () => {
    expect(oracleIsTransient(errors.getErr(errors.ERR_CONNECTION_CLOSED))).toBe(true);
    expect(
      oracleIsTransient(errors.getErr(errors.ERR_CONNECTION_LOSTCONTACT, 'db', 1521, 'x', 'reset')),
    ).toBe(true);
    expect(oracleIsTransient(ora(3113, 'end-of-file on communication channel'))).toBe(true);
    expect(oracleIsTransient(ora(3135, 'connection lost contact'))).toBe(true);
    expect(oracleIsTransient(ora(12541, 'Cannot connect. No listener at host db port 1521.'))).toBe(true);
    expect(oracleIsTransient(ora(60, 'deadlock detected while waiting for resource'))).toBe(true);
  });

  it('does not retry what retrying cannot fix', () => {
    expect(oracleIsTransient(ora(942, 'table or view does not exist'))).toBe(false);
    expect(oracleIsTransient(errors.getErr(errors.ERR_INVALID_EZCONNECT_SYNTAX, 'x', 'y'))).toBe(false);
  });
});

describe('Oracle query() against a fake thin-mode connection', () => {
  const rows = [
    [
      '41',
      '2025-01-15T08:30:00.000000',
      null,
      '1.5',
      '2',
      null,
      null,
      '.00001',
      '3',
      1.5,
      'A',
      null,
      null,
      null,
    ],
    [
      '42',
      '2025-01-15T08:30:00.123456',
      '2025-01-15T00:00:00',
      '-.25',
      null,
      null,
      null,
      null,
      null,
      null,
      'B',
      null,
      null,
      null,
    ],
  ];

  it('describes, then reads through the converting select as arrays; lastKey holds the driver values', async () => {
    const { knex, sent, OUT_FORMAT_ARRAY } = fakeKnex(meta, rows);
    const q = batchQuery(d, plan(), later);
    const res = await d.query(knex, q.sql, q.bindings, { keyColumns: ['UPDATED_AT', 'ATTENDANCE_ID'] });
    expect(sent).toHaveLength(2);
    expect(sent[0]!.sql).toBe(positionalPlaceholders(q.sql, q.bindings.length));
    expect(sent[1]!.sql.startsWith('SELECT m."ATTENDANCE_ID", TO_CHAR(m."UPDATED_AT", ')).toBe(true);
    expect(sent[1]!.binds).toEqual(oracleBinds(q.bindings));
    expect(sent[1]!.options?.outFormat).toBe(OUT_FORMAT_ARRAY);
    expect(sent[1]!.fetchTypes).toMatchInlineSnapshot(`
      [
        "DB_TYPE_VARCHAR",
        undefined,
        undefined,
        "DB_TYPE_VARCHAR",
        "DB_TYPE_VARCHAR",
        undefined,
        undefined,
        "DB_TYPE_VARCHAR",
        "DB_TYPE_VARCHAR",
        undefined,
        undefined,
        "DB_TYPE_VARCHAR",
        "DB_TYPE_RAW",
        undefined,
      ]
    `);
    expect(res.rows[0]!.slice(0, 5)).toEqual(['41', '2025-01-15T08:30:00.000000', null, '1.500000', '2.00']);
    expect(res.rows[1]!.slice(2, 4)).toEqual(['2025-01-15T00:00:00', '-0.250000']);
    expect(res.rows[0]![7]).toBe('0.00001');
    expect(res.lastKey).toEqual(['2025-01-15T08:30:00.123456', '42']);
  });

  it('answers a zero-row probe from the describe alone, and destroys the connection on failure', async () => {
    const { knex, sent } = fakeKnex(meta, rows);
    const probe = probeQuery(d, plan().template);
    const res = await d.query(knex, probe.sql, probe.bindings);
    expect(sent).toHaveLength(1);
    expect(res.rows).toEqual([]);
    expect(res.columns.map((c) => c.nullable).slice(0, 3)).toEqual([false, false, true]);
    const failing = fakeKnex(meta, ora(3113, 'end-of-file on communication channel'));
    await expect(d.query(failing.knex, 'SELECT 1 AS "x" FROM dual', [])).rejects.toThrow(/NJS-500/);
    expect(failing.destroyed).toHaveLength(1);
  });
});

describe('Oracle connections', () => {
  it('sets the session up once per connection and bounds each round trip', async () => {
    const config = connectionSchema.parse({
      client: 'oracle',
      connect_string: 'db:1521/CLINIC',
      user: 'etl',
      statement_timeout: '10s',
    }) as Extract<ConnectionConfig, { client: 'oracle' }>;
    const cfg = oracleDialect.knexConfig(config, '/');
    const executed: string[] = [];
    const conn = {
      callTimeout: 0,
      execute(sql: string) {
        executed.push(sql);
        return Promise.resolve({});
      },
    };
    const afterCreate = (cfg.pool as { afterCreate: (c: unknown, done: (e: Error | null) => void) => void })
      .afterCreate;
    await new Promise<void>((resolve, reject) => afterCreate(conn, (e) => (e ? reject(e) : resolve())));
    expect(executed).toEqual([ORACLE_SESSION_SQL]);
    expect(conn.callTimeout).toBe(10_000);
  });
});
