/**
 * The one seam into mysql2 (row-packets.ts): checked against the installed mysql2, then driven
 * through a real mysql2 client talking to mysql2's own protocol server on loopback, which sends
 * result packets as we write them — split across TCP reads, with long rows, with a column type
 * the packet path leaves to mysql2, and with an error in the middle of the rows.
 *
 * If a mysql2 upgrade changes the Query command's states this file fails with the reason, and
 * statements fall back to mysql2's own parser (exact, slower) until row-packets.ts is updated.
 */
import { createRequire } from 'node:module';
import { Duplex } from 'node:stream';
import mysql from 'mysql2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  queryRowPackets,
  rowHook,
  setRowHook,
  unhookable,
  type QueryingConnection,
  type RowPacketSink,
} from '../../../../src/db/dialects/mysql/row-packets.js';
import { T } from '../../../../src/db/dialects/mysql/types.js';
import { rowPayload } from './packets.js';

const mysql2Version = (createRequire(import.meta.url)('mysql2/package.json') as { version: string }).version;

/** A mysql2 connection whose stream goes nowhere: commands queue behind the handshake, nothing is sent. */
function idleConnection(): mysql.Connection {
  const stream = new Duplex({ read: () => undefined, write: (_c, _e, done) => done() });
  const conn = mysql.createConnection({ stream } as mysql.ConnectionOptions);
  conn.on('error', () => undefined);
  return conn;
}

describe('the mysql2 row hook', () => {
  it(`is usable with the installed mysql2 (${mysql2Version})`, () => {
    const status = setRowHook(true);
    expect(status.reason, `row hook off: ${status.reason ?? ''}`).toBeUndefined();
    expect(status).toEqual({ installed: true, version: mysql2Version });
  });

  it("finds the states it relies on in mysql2's Query command", () => {
    const conn = idleConnection();
    const command = conn.query({ sql: 'SELECT 1', rowsAsArray: true }, () => undefined) as unknown as object;
    expect(unhookable(command)).toBeUndefined();
    conn.destroy();
  });

  it('says why a command it does not know cannot be hooked', () => {
    expect(unhookable({})).toMatch(/no row\/readField\/fieldsEOF/);
    const states = { row() {}, readField() {}, on() {} };
    expect(unhookable({ ...states, fieldsEOF: () => null })).toMatch(/no longer returns this.row/);
  });

  it('can be turned off, and statements then take mysql2 rows', () => {
    const off = setRowHook(false);
    expect(off.installed).toBe(false);
    expect(off.reason).toMatch(/turned off/);
    expect(rowHook().installed).toBe(false);
    expect(setRowHook(true).installed).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
// A protocol peer: mysql2's server, answering each query with the packets a test gives.

type Reply = (write: (bytes: Buffer) => Promise<void>) => Promise<void>;

function packet(seq: number, payload: Buffer): Buffer {
  const header = Buffer.from([
    payload.length & 0xff,
    (payload.length >> 8) & 0xff,
    payload.length >> 16,
    seq,
  ]);
  return Buffer.concat([header, payload]);
}

function columnDefinition(name: string, type: number, charset: number, length = 40): Buffer {
  const s = (t: string) => rowPayload([t]);
  const fixed = Buffer.alloc(13);
  fixed[0] = 0x0c;
  fixed.writeUInt16LE(charset, 1);
  fixed.writeUInt32LE(length, 3);
  fixed[7] = type;
  return Buffer.concat([s('def'), s('db'), s('t'), s('t'), s(name), s(name), fixed]);
}

const EOF = Buffer.from([0xfe, 0, 0, 2, 0]);

/** The packets of a result set: count, definitions, EOF, rows, EOF (sequence ids from 1). */
function resultSet(columns: [string, number, number][], rows: Buffer[]): Buffer[] {
  const payloads = [
    Buffer.from([columns.length]),
    ...columns.map(([n, t, c]) => columnDefinition(n, t, c)),
    EOF,
    ...rows,
    EOF,
  ];
  return payloads.map((p, i) => packet(i + 1, p));
}

let server: ReturnType<typeof mysql.createServer>;
let port = 0;
let reply: Reply = () => Promise.resolve();

beforeAll(async () => {
  server = mysql.createServer((conn) => {
    conn.on('error', () => undefined);
    conn.serverHandshake({
      protocolVersion: 10,
      serverVersion: '10.11.0-mysql2-peer',
      connectionId: 1,
      statusFlags: 2,
      characterSet: 224,
      capabilityFlags: 0xffffff & ~0x800 & ~0x20, // no SSL, no compression
      // Accept anyone; then expect the client's next command to start a new sequence.
      authCallback: (_: unknown, done: (e: null) => void) => {
        done(null);
        (conn as unknown as { sequenceId: number }).sequenceId = 0;
      },
    });
    conn.on('query', () => {
      const socket = (conn as unknown as { stream: NodeJS.WritableStream }).stream;
      const write = (bytes: Buffer) => new Promise<void>((resolve) => socket.write(bytes, () => resolve()));
      void reply(write);
    });
  });
  // mysql2's Server wraps a net.Server (typed as taking only a port).
  const net = (server as unknown as { _server: import('node:net').Server })._server;
  await new Promise<void>((resolve) => net.listen(0, '127.0.0.1', () => resolve()));
  port = (net.address() as import('node:net').AddressInfo).port;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

interface Received {
  fields: unknown[];
  rows: Buffer[];
  stockRows: unknown[][] | undefined;
  error: Error | null;
  hooked: boolean;
}

/** One statement through queryRowPackets, the peer answering with `send`. */
async function run(send: Reply, accept = true): Promise<Received> {
  reply = send;
  const conn = mysql.createConnection({ host: '127.0.0.1', port, user: 'u', password: '' });
  conn.on('error', () => undefined);
  const got: Received = { fields: [], rows: [], stockRows: undefined, error: null, hooked: false };
  const sink: RowPacketSink = {
    fields: (f) => ((got.fields = f), accept),
    row: (bytes, start, end) => void got.rows.push(Buffer.from(bytes.subarray(start, end))),
  };
  await new Promise<void>((resolve) => {
    got.hooked = queryRowPackets(
      conn as unknown as QueryingConnection,
      { sql: 'SELECT x', rowsAsArray: true },
      [],
      sink,
      (error, rows) => {
        got.error = error;
        got.stockRows = rows;
        resolve();
      },
    );
  });
  conn.destroy();
  return got;
}

const UTF8MB4 = 224;
const COLUMNS: [string, number, number][] = [
  ['id', T.LONG, 63],
  ['note', T.VAR_STRING, UTF8MB4],
];

describe('row packets from a MySQL protocol peer', () => {
  const rows = Array.from({ length: 2000 }, (_, i) =>
    rowPayload([String(i), i % 7 ? `行 ${i} ${'x'.repeat(i % 300)}` : null]),
  );

  it('hands every row payload to the sink, also when packets are split across reads', async () => {
    const bytes = Buffer.concat(resultSet(COLUMNS, rows));
    const got = await run(async (write) => {
      // Odd-sized pieces: headers and payloads cut anywhere.
      for (let at = 0, n = 1; at < bytes.length; at += n, n = (n * 7 + 3) % 997)
        await write(bytes.subarray(at, at + n));
    });
    expect(got.error).toBeNull();
    expect(got.hooked).toBe(true);
    expect(got.fields.map((f) => (f as { name: string }).name)).toEqual(['id', 'note']);
    expect(got.rows).toEqual(rows);
    // mysql2 built no rows of its own.
    expect(got.stockRows ?? []).toHaveLength(0);
  });

  it('leaves the rows to mysql2 when the sink declines the columns', async () => {
    const got = await run((write) => write(Buffer.concat(resultSet(COLUMNS, rows.slice(0, 3)))), false);
    expect(got.rows).toHaveLength(0);
    expect(got.stockRows).toEqual([
      [0, null],
      [1, '行 1 x'],
      [2, '行 2 xx'],
    ]);
  });

  it('reports an error that ends the rows, as mysql2 does', async () => {
    const error = Buffer.concat([Buffer.from([0xff, 0x40, 0x0c]), Buffer.from('#HY000boom')]);
    const packets = resultSet(COLUMNS, rows.slice(0, 5));
    packets.splice(packets.length - 1, 1, packet(packets.length, error));
    const got = await run((write) => write(Buffer.concat(packets)));
    expect(got.error?.message).toBe('boom');
    expect(got.rows).toHaveLength(5);
  });

  it('takes mysql2 rows for every statement while turned off', async () => {
    setRowHook(false);
    try {
      const got = await run((write) => write(Buffer.concat(resultSet(COLUMNS, rows.slice(0, 2)))));
      expect(got.hooked).toBe(false);
      expect(got.rows).toHaveLength(0);
      expect(got.stockRows).toEqual([
        [0, null],
        [1, '行 1 x'],
      ]);
    } finally {
      setRowHook(true);
    }
  });
});
