/**
 * The PostgreSQL batch query against a fake of pg's Client: it drives pg's Query handlers with the
 * protocol messages a server would send, as pg's Client does, and checks the in-place conversion,
 * the raw last row kept for keyset positions, and that a converter's failure fails the statement.
 */
import { describe, expect, it } from 'vitest';
import {
  runBatchQuery,
  type PgField,
  type PgSubmitter,
} from '../../../src/db/dialects/postgres/batch-query.js';
import { OID, postgresColumnType, postgresConverter } from '../../../src/db/dialects/postgres/types.js';

/** The handlers of pg's Query that its Client calls for a simple result. */
interface Handlers {
  handleRowDescription(msg: { fields: PgField[] }): void;
  handleDataRow(msg: { fields: (string | null)[] }): void;
  handleCommandComplete(msg: { text: string }, connection: unknown): void;
  handleReadyForQuery(connection: unknown): void;
}

function fakeClient(fields: PgField[], rows: (string | null)[][]): PgSubmitter {
  return {
    query(query) {
      const q = query as unknown as Handlers;
      setImmediate(() => {
        q.handleRowDescription({ fields });
        // A fresh array per message, as pg-protocol builds them.
        for (const r of rows) q.handleDataRow({ fields: [...r] });
        q.handleCommandComplete({ text: `SELECT ${rows.length}` }, {});
        q.handleReadyForQuery({});
      });
    },
  };
}

const field = (name: string, dataTypeID: number, dataTypeModifier = -1): PgField => ({
  name,
  dataTypeID,
  dataTypeModifier,
});
const converters = (fields: PgField[]) =>
  fields.map((f) => postgresConverter(postgresColumnType(f.dataTypeID, f.dataTypeModifier), f.dataTypeID));

describe('PostgreSQL batch query', () => {
  const fields = [
    field('id', OID.int8),
    field('n', OID.int4),
    field('at', OID.timestamptz),
    field('day', OID.date),
    field('ok', OID.bool),
    field('amount', OID.numeric, ((12 << 16) | 2) + 4),
  ];
  const rows = [
    ['9007199254740993', '7', '2025-01-01 09:00:00.1234+00', '2025-01-01', 't', '12345678901.23'],
    ['9007199254740994', null, '0001-01-01 00:00:00+00', null, 'f', null],
  ];

  it('converts the columns that need it, in place, and keeps canonical text untouched', async () => {
    const result = await runBatchQuery(fakeClient(fields, rows), 'select', [], false, converters);
    expect(result.fields).toEqual(fields);
    expect(result.rows).toEqual([
      ['9007199254740993', 7, '2025-01-01T09:00:00.123400Z', '2025-01-01', true, '12345678901.23'],
      ['9007199254740994', null, '0001-01-01T00:00:00.000000Z', null, false, null],
    ]);
  });

  it('keeps the last row as the server sent it, for the keyset position', async () => {
    const result = await runBatchQuery(fakeClient(fields, rows), 'select', [], false, converters);
    expect(result.lastRaw).toEqual(rows[1]);
  });

  it('returns no rows and no last row for an empty result', async () => {
    const result = await runBatchQuery(fakeClient(fields, []), 'select', [], false, converters);
    expect(result.rows).toEqual([]);
    expect(result.lastRaw).toBeUndefined();
  });

  it('keeps rows as messages when asked for bytes outside a parser dispatch (no sink to attach)', async () => {
    const result = await runBatchQuery(fakeClient(fields, rows), 'select', [], true, converters);
    expect(result.encoded).toBeUndefined();
    expect(result.rows?.[1]).toEqual([
      '9007199254740994',
      null,
      '0001-01-01T00:00:00.000000Z',
      null,
      false,
      null,
    ]);
  });

  it('fails the statement when a converter throws, after the server is done', async () => {
    const failing = (f: PgField[]) =>
      f.map((_, i) =>
        i === 1
          ? () => {
              throw new Error('bad value');
            }
          : undefined,
      );
    await expect(runBatchQuery(fakeClient(fields, rows), 'select', [], false, failing)).rejects.toThrow(
      'bad value',
    );
  });
});
