/**
 * SQL Server dialect against fakes of its driver: error classification on tedious's own error
 * classes, the query() flow on a fake tedious connection, session setup, and destroying a dead
 * connection through knex's own mssql client.
 */
import { EventEmitter } from 'node:events';
import knexFactory from 'knex';
import { ConnectionError, RequestError } from 'tedious';
import { describe, expect, it } from 'vitest';
import { connectionSchema, type ConnectionConfig } from '../../../src/config/schema.js';
import {
  endEvenWhenClosed,
  mssqlDialect,
  mssqlIsTransient,
  type TediousConnection,
} from '../../../src/db/dialects/mssql/index.js';
import { mssqlSessionSql } from '../../../src/db/dialects/mssql/sql.js';
import { mssqlColumn } from '../../../src/db/dialects/mssql/types.js';
import { batchQuery, probeQuery } from '../../../src/extract/keyset.js';
import { column, d, fakeKnex, later, meta, plan, TDS, type FakeRequest } from './mssql-fakes.js';

describe('SQL Server errors', () => {
  const requestError = (n: number) =>
    Object.assign(new RequestError(`error ${n}`, 'EREQUEST'), { number: n });
  it('classifies deadlocks, lock timeouts and lost connections as transient', () => {
    expect(mssqlIsTransient(requestError(1205))).toBe(true);
    expect(mssqlIsTransient(requestError(1222))).toBe(true);
    expect(mssqlIsTransient(new ConnectionError('Connection lost - read ECONNRESET', 'ESOCKET'))).toBe(true);
    expect(mssqlIsTransient(new ConnectionError('Failed to connect in 15000ms', 'ETIMEOUT'))).toBe(true);
    expect(
      mssqlIsTransient(new RequestError('Timeout: Request failed to complete in 30000ms', 'ETIMEOUT')),
    ).toBe(true);
    expect(mssqlIsTransient(new RequestError('Connection closed before request completed.', 'ECLOSE'))).toBe(
      true,
    );
  });
  it('does not retry what retrying cannot fix', () => {
    expect(mssqlIsTransient(requestError(207))).toBe(false); // invalid column name
    expect(mssqlIsTransient(new ConnectionError('Login failed.', 'ELOGIN'))).toBe(false);
    expect(mssqlIsTransient(new Error('boom'))).toBe(false);
  });
});

describe('SQL Server query() against a fake tedious connection', () => {
  const converted = meta.map((m) =>
    mssqlColumn(m).convert ? column(m.colName, TDS.BIGVARCHR, { dataLength: 40 }) : m,
  );
  const respond = (r: FakeRequest) =>
    r.sql.startsWith('SELECT TOP (0) * FROM (')
      ? { columns: meta, rows: [] }
      : {
          columns: converted,
          rows: [
            ['41', '2025-01-15T08:30:00', null, '1.500000', '0.0000', null, null, null, false, 'A', null, 1],
            [
              '42',
              '2025-01-15T08:30:00.1234567',
              '2025-01-15',
              '-.250000',
              '10.5000',
              null,
              null,
              null,
              true,
              'B',
              null,
              2,
            ],
          ],
        };

  it('probes, then reads through the converting select; lastKey holds the driver values', async () => {
    const { knex, sent } = fakeKnex(respond);
    const q = batchQuery(d, plan(), later);
    const res = await d.query(knex, q.sql, q.bindings, { keyColumns: ['updated_at', 'attendance_id'] });
    expect(sent.map((r) => r.sql.slice(0, 40))).toEqual([
      'SELECT TOP (0) * FROM (SELECT TOP (500) ',
      'SELECT m.[attendance_id], CONVERT(varcha',
    ]);
    expect(sent[1]!.params.map((p) => p.type)).toEqual(sent[0]!.params.map((p) => p.type));
    expect(res.columns.map((c) => c.type.kind)).toContain('decimal');
    expect(res.rows[0]!.slice(0, 5)).toEqual([
      '41',
      '2025-01-15T08:30:00.0000000',
      null,
      '1.500000',
      '0.0000',
    ]);
    expect(res.rows[1]!.slice(3, 5)).toEqual(['-0.250000', '10.5000']);
    expect(res.lastKey).toEqual(['2025-01-15T08:30:00.1234567', '42']);
  });

  it('answers a zero-row probe with one round trip, and destroys the connection on failure', async () => {
    const { knex, sent } = fakeKnex(respond);
    const probe = probeQuery(d, plan().template);
    const res = await d.query(knex, probe.sql, probe.bindings);
    expect(sent).toHaveLength(1);
    expect(res.rows).toEqual([]);
    expect(res.columns).toHaveLength(meta.length);
    const failing = fakeKnex(() => new RequestError('deadlocked', 'EREQUEST'));
    await expect(d.query(failing.knex, 'SELECT 1 AS x', [])).rejects.toThrow('deadlocked');
    expect(failing.destroyed).toHaveLength(1);
  });
});

describe('SQL Server connections', () => {
  const config = connectionSchema.parse({
    client: 'mssql',
    host: 'db',
    database: 'clinic',
    user: 'etl',
    statement_timeout: '10s',
  }) as Extract<ConnectionConfig, { client: 'mssql' }>;

  it('sets the session up once per connection, in a plain batch, and times statements out', async () => {
    const cfg = mssqlDialect.knexConfig(config, '/');
    const connection = cfg.connection as { requestTimeout: number; options: { readOnlyIntent: boolean } };
    expect(connection.requestTimeout).toBe(10_000);
    expect(connection.options.readOnlyIntent).toBe(true);
    const batches: string[] = [];
    const conn = Object.assign(new EventEmitter(), {
      closed: false,
      close() {},
      execSqlBatch(request: { sqlTextOrProcedure: string; callback: (err?: Error) => void }) {
        batches.push(request.sqlTextOrProcedure);
        request.callback();
      },
    });
    const afterCreate = (cfg.pool as { afterCreate: (c: unknown, done: (e: Error | null) => void) => void })
      .afterCreate;
    await new Promise<void>((resolve, reject) => afterCreate(conn, (e) => (e ? reject(e) : resolve())));
    expect(batches).toEqual([mssqlSessionSql(10_000)]);
  });

  it("destroys a connection that already died instead of waiting for an 'end' that never comes", async () => {
    const client = knexFactory({ client: 'mssql' }).client as {
      destroyRawConnection(c: unknown): Promise<void>;
    };
    const dead = () => Object.assign(new EventEmitter(), { closed: true, close() {} });
    const timeout = new Promise((resolve) => setTimeout(() => resolve('still waiting'), 50));
    // knex alone: close() on a closed tedious connection emits nothing, so the destroy never settles.
    expect(await Promise.race([client.destroyRawConnection(dead()), timeout])).toBe('still waiting');
    const patched = dead();
    endEvenWhenClosed(patched as unknown as TediousConnection);
    await expect(client.destroyRawConnection(patched)).resolves.toBeUndefined();
  });
});
