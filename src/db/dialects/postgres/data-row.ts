/**
 * PostgreSQL DataRow messages, decoded faster than pg-protocol does or not decoded at all.
 *
 * pg-protocol decodes every field with its own `buffer.toString('utf8', a, b)`: one crossing into
 * C++ per field, which profiling put at about a third of extraction time (12 fields a row, ~80 ns
 * each). decodeDataRow decodes a row whose field bytes are all ASCII (nearly every row: codes,
 * numbers, timestamps, dates) with one latin1 call and cuts its fields from that string in
 * JavaScript (for ASCII bytes latin1 and UTF-8 agree); a field holding any other byte is decoded on
 * its own as UTF-8, exactly as pg-protocol does, so malformed sequences become U+FFFD the same way.
 * The message is the one pg-protocol builds (test/unit/dialects/pg-data-row.test.ts compares them).
 *
 * Our batch statements go further: while one of them is receiving its result, the parser hands
 * each DataRow body to the statement's sink as bytes (RowSink), and the statement's rows are
 * decoded only if someone reads them — the CSV writer works from the bytes (encoded-rows.ts).
 *
 * pg-protocol has no hook for either, so its Parser's packet handler is wrapped once, for the
 * process; for any connection without a sink the messages are exactly pg-protocol's. A pg-protocol
 * without that method leaves everything stock (and batch statements decode as before).
 */
import { createRequire } from 'node:module';

const Code = {
  DataRow: 68, // 'D'
  CommandComplete: 67, // 'C'
  ErrorResponse: 69, // 'E'
  EmptyQuery: 73, // 'I'
  ReadyForQuery: 90, // 'Z'
  PortalSuspended: 115, // 's'
} as const;

/** The fields of the DataRow message whose body (after code and length) spans [start, end). */
export function decodeDataRow(buf: Buffer, start: number, end: number): (string | null)[] {
  const count = (buf[start]! << 8) | buf[start + 1]!;
  const fields = new Array<string | null>(count);
  // First pass: lengths and whether every field byte is ASCII.
  let p = start + 2;
  let ascii = true;
  for (let i = 0; i < count; i++) {
    const len = buf.readInt32BE(p);
    p += 4;
    if (len < 0) continue;
    const stop = p + len;
    if (ascii) {
      for (let k = p; k < stop; k++) {
        if (buf[k]! > 127) {
          ascii = false;
          break;
        }
      }
    }
    p = stop;
  }
  if (p > end) throw new RangeError(`DataRow fields overrun the message (${p} > ${end})`);
  // One string for the whole body; each ASCII field is a slice of it (offsets are byte offsets).
  const text = ascii ? buf.toString('latin1', start, p) : '';
  p = start + 2;
  for (let i = 0; i < count; i++) {
    const len = buf.readInt32BE(p);
    p += 4;
    if (len < 0) {
      fields[i] = null;
      continue;
    }
    fields[i] = ascii ? text.slice(p - start, p - start + len) : buf.toString('utf8', p, p + len);
    p += len;
  }
  return fields;
}

/** Receives the DataRow bodies of one result set as bytes, valid only during the call. */
export interface RowSink {
  /** Note a DataRow body; `bytes` stays as it is until the next flush(). */
  collect(bytes: Buffer, start: number, end: number): void;
  /** Copy what was noted: the parser is about to reuse its buffer, or the result has ended. */
  flush(): void;
}

/** What the parser passes on for a DataRow it gave to a sink (the statement ignores it). */
export const COLLECTED = Object.freeze({ name: 'dataRow', length: 0, fieldCount: 0, fields: [] });

interface Parser {
  parse: (this: Parser, buffer: Buffer, callback: (message: unknown) => void) => void;
  handlePacket: (this: Parser, offset: number, code: number, length: number, bytes: Buffer) => unknown;
  [SINK]?: RowSink;
}
interface DataRowMessageConstructor {
  new (length: number, fields: (string | null)[]): unknown;
}

const SINK = Symbol('moh-etl row sink');
/**
 * The parser whose messages are being dispatched (set for the length of its parse() call). pg
 * dispatches synchronously (parser → Connection emit → Client → the active query's handler), so a
 * query handling RowDescription finds the parser of its own connection here and attaches its sink
 * for the DataRows that follow; called from anywhere else, it finds nothing and rows stay messages.
 */
let dispatching: Parser | undefined;

/**
 * Called from a query's RowDescription handler: route this result set's DataRow bodies to `sink`
 * until the result ends (CommandComplete, error, ready, suspended). False when the hook is not
 * installed; then the rows arrive as ordinary messages.
 */
export function attachRowSink(sink: RowSink): boolean {
  if (!dispatching) return false;
  dispatching[SINK] = sink;
  return true;
}

let installed: boolean | undefined;

/** Wrap pg-protocol's packet handler (idempotent). */
export function installDataRowDecoder(): boolean {
  if (installed !== undefined) return installed;
  installed = false;
  try {
    // pg-protocol is pg's own dependency; resolve it from pg so both use the same copy.
    const fromPg = createRequire(createRequire(import.meta.url).resolve('pg'));
    const { Parser } = fromPg('pg-protocol/dist/parser') as { Parser: { prototype: Parser } };
    const { DataRowMessage } = fromPg('pg-protocol/dist/messages') as {
      DataRowMessage: DataRowMessageConstructor;
    };
    const proto = Parser.prototype;
    const stock = proto.handlePacket;
    const stockParse = proto.parse;
    if (typeof stock !== 'function' || typeof stockParse !== 'function') return false;
    if (typeof DataRowMessage !== 'function') return false;
    proto.parse = function (this: Parser, buffer, callback) {
      // parse() starts by merging the new chunk into its buffer, which may overwrite noted rows.
      this[SINK]?.flush();
      const outer = dispatching;
      // eslint-disable-next-line @typescript-eslint/no-this-alias -- recorded for the synchronous dispatch (see `dispatching`)
      dispatching = this;
      try {
        stockParse.call(this, buffer, callback);
      } finally {
        dispatching = outer;
      }
    };
    proto.handlePacket = function (this: Parser, offset, code, length, bytes) {
      const sink = this[SINK];
      if (code === Code.DataRow) {
        // `length` counts itself (4 bytes) but not the code; `offset` is past both.
        const end = offset + length - 4;
        if (sink) {
          sink.collect(bytes, offset, end);
          return COLLECTED;
        }
        return new DataRowMessage(length, decodeDataRow(bytes, offset, end));
      }
      if (sink && endsResult(code)) {
        sink.flush();
        this[SINK] = undefined;
      }
      return stock.call(this, offset, code, length, bytes);
    };
    installed = true;
  } catch {
    // A pg-protocol laid out differently: keep its own decoder.
  }
  return installed;
}

function endsResult(code: number): boolean {
  return (
    code === Code.CommandComplete ||
    code === Code.ErrorResponse ||
    code === Code.EmptyQuery ||
    code === Code.ReadyForQuery ||
    code === Code.PortalSuspended
  );
}
