/**
 * The DataRow decoder and the row sink, fed with protocol bytes as a server sends them: the
 * decoder must give exactly what pg-protocol gives (each field UTF-8 decoded on its own), and a
 * statement's sink must receive every row whole, however the socket splits the stream.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../../src/synth/prng.js';
import {
  attachRowSink,
  COLLECTED,
  decodeDataRow,
  installDataRowDecoder,
} from '../../../src/db/dialects/postgres/data-row.js';
import { PgEncodedRows } from '../../../src/db/dialects/postgres/encoded-rows.js';
import { OID } from '../../../src/db/dialects/postgres/types.js';
import {
  commandComplete,
  dataRow,
  dataRowBody,
  referenceText,
  rowDescription,
  type WireValue,
} from './pg-messages.js';

interface Message {
  name: string;
  fields?: (string | null)[];
}
interface ParserInstance {
  parse(buffer: Buffer, callback: (msg: Message) => void): void;
}

const fromPg = createRequire(createRequire(import.meta.url).resolve('pg'));
const { Parser } = fromPg('pg-protocol/dist/parser') as { Parser: new () => ParserInstance };

/** A seeded integer generator in [0, n), so a failure can be replayed. */
function random(seed: number): (n: number) => number {
  const rng = new Rng(seed);
  return (n) => rng.int(0, n - 1);
}

const PIECES = ['a', 'Z', '0', ' ', ',', '"', '\n', '-', ':', '.', 'é', '陈', 'த', '😀', '\u00a0'];

function value(rnd: (n: number) => number): WireValue {
  switch (rnd(10)) {
    case 0:
      return null;
    case 1:
      return '';
    case 2:
      // Malformed UTF-8: a lone continuation byte, a truncated sequence, an invalid lead byte.
      return Uint8Array.from([0x41, [0x80, 0xe4, 0xff][rnd(3)]!, 0x42]);
    case 3:
      return '2025-01-01 09:00:00.1234+00';
    default: {
      const n = rnd(4) === 0 ? 200 + rnd(300) : rnd(24);
      let s = '';
      // Mostly ASCII rows, with some non-ASCII text.
      const pool = rnd(3) === 0 ? PIECES.length : 10;
      for (let i = 0; i < n; i++) s += PIECES[rnd(pool)]!;
      return s;
    }
  }
}

function rows(seed: number, count: number, width: number): WireValue[][] {
  const rnd = random(seed);
  return Array.from({ length: count }, () => Array.from({ length: width }, () => value(rnd)));
}

const fields = Array.from({ length: 6 }, (_, i) => ({
  name: `c${i}`,
  dataTypeID: OID.text,
  dataTypeModifier: -1,
}));

/** Feed `wire` to a parser in chunks of random sizes (some messages straddle two chunks). */
function feed(parser: ParserInstance, wire: Buffer, seed: number, onMessage: (m: Message) => void): void {
  const rnd = random(seed);
  for (let p = 0; p < wire.length;) {
    const n = 1 + rnd(rnd(4) === 0 ? 4000 : 300);
    // Chunks are fresh buffers, as a socket delivers them.
    parser.parse(Buffer.from(wire.subarray(p, p + n)), onMessage);
    p += n;
  }
}

describe('decodeDataRow', () => {
  it('gives what pg-protocol gives: each field decoded as UTF-8 on its own, NULL as null', () => {
    for (const row of rows(7, 3000, 6)) {
      const body = dataRowBody(row);
      // Inside a larger buffer, as in the parser's.
      const buf = Buffer.concat([Buffer.from('xyz'), body, Buffer.from('tail')]);
      expect(decodeDataRow(buf, 3, 3 + body.length)).toEqual(row.map(referenceText));
    }
  });

  it('refuses a message whose fields run past its end', () => {
    const body = dataRowBody(['abc', 'def']);
    expect(() => decodeDataRow(body, 0, body.length - 1)).toThrow(/overrun/);
  });
});

describe('the row sink in pg-protocol’s parser', () => {
  it('is installed', () => {
    expect(installDataRowDecoder()).toBe(true);
  });

  it('leaves ordinary results as messages with the same fields', () => {
    installDataRowDecoder();
    const data = rows(11, 500, 6);
    const wire = Buffer.concat([rowDescription(fields), ...data.map(dataRow), commandComplete(data.length)]);
    const got: (string | null)[][] = [];
    feed(new Parser(), wire, 3, (m) => {
      if (m.name === 'dataRow') got.push(m.fields!);
    });
    expect(got).toEqual(data.map((r) => r.map(referenceText)));
  });

  it('hands a result’s rows to the sink attached at its RowDescription, whole, however the stream is split', () => {
    installDataRowDecoder();
    for (const seed of [1, 2, 3, 4, 5]) {
      const data = rows(100 + seed, 800, 6);
      const after = ['after', null, 'x', 'y', 'z', 'w'];
      const wire = Buffer.concat([
        rowDescription(fields),
        ...data.map(dataRow),
        commandComplete(data.length),
        // The next result on the connection has no sink: its rows are messages again.
        rowDescription(fields),
        dataRow(after),
        commandComplete(1),
      ]);
      const sink = new PgEncodedRows(fields.map(() => undefined));
      let descriptions = 0;
      const messages: Message[] = [];
      feed(new Parser(), wire, seed, (m) => {
        if (m.name === 'rowDescription' && descriptions++ === 0) expect(attachRowSink(sink)).toBe(true);
        if (m.name === 'dataRow') messages.push(m);
      });
      expect(sink.count).toBe(data.length);
      expect(Array.from({ length: sink.count }, (_, i) => sink.rawRow(i))).toEqual(
        data.map((r) => r.map(referenceText)),
      );
      expect(messages.filter((m) => m === COLLECTED)).toHaveLength(data.length);
      expect(messages[messages.length - 1]!.fields).toEqual(after);
    }
  });

  it('gives a released batch’s buffer to the next batch, and refuses to read released bytes', () => {
    installDataRowDecoder();
    const collect = (data: ReturnType<typeof rows>): PgEncodedRows => {
      const sink = new PgEncodedRows(fields.map(() => undefined));
      const wire = Buffer.concat([
        rowDescription(fields),
        ...data.map(dataRow),
        commandComplete(data.length),
      ]);
      feed(new Parser(), wire, 7, (m) => {
        if (m.name === 'rowDescription') expect(attachRowSink(sink)).toBe(true);
      });
      return sink;
    };
    const first = collect(rows(11, 300, 6));
    const decoded = first.rows();
    const buffer = first.bytes;
    first.release();
    expect(() => first.bytes).toThrow(/after release/);
    expect(() => first.rawRow(0)).toThrow(/after release/);
    expect(first.rows()).toBe(decoded);
    const data = rows(12, 200, 6);
    const second = collect(data);
    expect(second.bytes).toBe(buffer);
    expect(Array.from({ length: second.count }, (_, i) => second.rawRow(i))).toEqual(
      data.map((r) => r.map(referenceText)),
    );
    second.release();
  });

  it('attaches nothing outside a parser’s dispatch', () => {
    installDataRowDecoder();
    expect(attachRowSink(new PgEncodedRows([]))).toBe(false);
  });
});
