/**
 * One statement whose rows are converted as they arrive, or kept as the server's bytes.
 *
 * node-postgres builds, for every row, a DataRow message holding an array of the fields' text, then
 * a second array through the query's type parsers; we then made a third with our converters, after
 * the whole result had arrived, so every raw value survived into the old generation (the garbage
 * collector was about half of extraction time). Here the DataRow's own array becomes our row:
 * converted in place while it is young, columns whose text is already canonical left untouched.
 *
 * With `keepEncoded` the rows are not decoded at all: the parser hands their bytes to the statement
 * (data-row.ts, encoded-rows.ts) for a consumer that works from bytes, the CSV writer. Decoding
 * them later is possible but slow (a batch decoded at once survives young-generation collections
 * whole: measured about twice the CPU of converting as the rows arrive), so value consumers do not ask.
 *
 * This hooks the two message handlers of pg's Query (the interface its Client drives, also used by
 * pg-cursor); everything else — parse/bind/execute, errors, ready-for-query, the callback — is pg's.
 * Without the parser hook (data-row.ts), rows arrive as ordinary messages and are converted in place
 * as they arrive.
 */
import pg from 'pg';
import type { Row } from '../../../schema/column-types.js';
import { attachRowSink, COLLECTED, installDataRowDecoder } from './data-row.js';
import { PgEncodedRows } from './encoded-rows.js';
import type { Converter } from './types.js';

export interface PgField {
  name: string;
  dataTypeID: number;
  dataTypeModifier: number;
  /** The table (pg_class oid) and column (attnum) the value comes straight from; 0 for an expression. */
  tableID?: number;
  columnID?: number;
}

/** The slice of node-postgres's Query we rely on: its constructor and the handlers its Client calls. */
interface PgQuery {
  _canceledDueToError: unknown;
  handleRowDescription(msg: { fields: PgField[] }): void;
  handleDataRow(msg: { fields: (string | null)[] }): void;
}
type PgQueryConstructor = new (
  config: { text: string; values: unknown[]; types: typeof rawText },
  callback: (error: Error | null) => void,
) => PgQuery;

/** The raw text for every type: pg's own parsers never run (we read the text, not parsed values). */
const rawText = { getTypeParser: () => (text: string) => text };

export interface BatchResult {
  fields: PgField[];
  /** Either the rows as bytes (asked for, and the parser hook is installed)… */
  encoded: PgEncodedRows | undefined;
  /** …or the rows, converted as they arrived. */
  rows: Row[] | undefined;
  /** The last row as the server sent it (before conversion): keyset positions are bound from it. */
  lastRaw: (string | null)[] | undefined;
}

/** The connection slice that runs a submittable query (pg.Client#query). */
export interface PgSubmitter {
  query(query: PgQuery): unknown;
}

/** Run `text` with `values`; `converters(fields)` gives each column's converter (undefined: keep the text). */
export function runBatchQuery(
  client: PgSubmitter,
  text: string,
  values: unknown[],
  keepEncoded: boolean,
  converters: (fields: PgField[]) => (Converter | undefined)[],
): Promise<BatchResult> {
  installDataRowDecoder();
  return new Promise((resolve, reject) => {
    const query = new ConvertingQuery({ text, values, types: rawText }, (error) =>
      error ? reject(error) : resolve(query.result()),
    );
    query.converters = converters;
    query.keepEncoded = keepEncoded;
    client.query(query);
  });
}

const Query = pg.Query as unknown as PgQueryConstructor;

// Member names must not collide with pg's Query (`rows` there is the portal's fetch size).
class ConvertingQuery extends Query {
  converters: (fields: PgField[]) => (Converter | undefined)[] = () => [];
  keepEncoded = false;
  private columns: PgField[] = [];
  private encoded: PgEncodedRows | undefined;
  // The fallback path (no parser hook): rows converted in place as their messages arrive.
  private collected: Row[] = [];
  /** Indexes of the columns to convert, and their converters, in step. */
  private indexes: number[] = [];
  private convert: Converter[] = [];
  /** The server's text of the converted columns in the latest row. */
  private raw: (string | null)[] = [];

  override handleRowDescription(msg: { fields: PgField[] }): void {
    super.handleRowDescription(msg);
    this.columns = msg.fields;
    const all = this.converters(msg.fields);
    if (this.keepEncoded) {
      const encoded = new PgEncodedRows(all);
      if (attachRowSink(encoded)) {
        this.encoded = encoded;
        return;
      }
    }
    this.indexes = [];
    this.convert = [];
    all.forEach((c, i) => {
      if (c) {
        this.indexes.push(i);
        this.convert.push(c);
      }
    });
    this.raw = new Array<string | null>(msg.fields.length).fill(null);
  }

  override handleDataRow(msg: { fields: (string | null)[] }): void {
    if (this._canceledDueToError || msg === COLLECTED) return;
    // pg-protocol allocates a fresh array per DataRow message and keeps no reference to it.
    const row: Row = msg.fields;
    const { indexes, convert, raw } = this;
    try {
      for (let k = 0; k < indexes.length; k++) {
        const i = indexes[k]!;
        const v = msg.fields[i]!;
        raw[i] = v;
        if (v !== null) row[i] = convert[k]!(v);
      }
    } catch (e) {
      // As pg does with a failing type parser: reported when the statement completes.
      this._canceledDueToError = e;
      return;
    }
    this.collected.push(row);
  }

  result(): BatchResult {
    const { encoded, columns: fields } = this;
    if (encoded) {
      const lastRaw = encoded.count > 0 ? encoded.rawRow(encoded.count - 1) : undefined;
      return { fields, encoded, rows: undefined, lastRaw };
    }
    const rows = this.collected;
    const last = rows[rows.length - 1];
    let lastRaw: (string | null)[] | undefined;
    if (last) {
      lastRaw = last.slice() as (string | null)[];
      for (const i of this.indexes) lastRaw[i] = this.raw[i]!;
    }
    return { fields, encoded: undefined, rows, lastRaw };
  }
}
