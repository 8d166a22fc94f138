/**
 * One batch's rows as the DataRow bodies the server sent, copied out of the socket buffer (which pg
 * reuses) into one growing buffer. Rows are decoded (decodeDataRow, then the column converters, the
 * same steps as an ordinary message) only when asked for, once.
 */
import { fieldOffset, type CellValue, type EncodedRows, type Row } from '../../../schema/column-types.js';
import { decodeDataRow, type RowSink } from './data-row.js';
import type { Converter } from './types.js';

/** A message's code (1 byte) and length (4 bytes). */
const HEADER = 5;

/** Bytes of the largest batch collected in this process, plus a margin (at least 64 KiB). */
let sizeHint = 64 * 1024;

export class PgEncodedRows implements EncodedRows, RowSink {
  readonly kind = 'pg-text';
  // Sized like the largest batch so far: growing by doubling allocated (and garbage-collected)
  // twice the batch in buffers outside the heap, which V8 answers with full collections.
  #bytes = Buffer.allocUnsafe(Math.min(sizeHint, 8 * 1024 * 1024));
  #used = 0;
  #starts = new Int32Array(1024);
  #count = 0;
  #rows: Row[] | undefined;
  /** Bodies noted but not yet copied: [#spanStart, #spanEnd) of #span. */
  #span: Buffer | undefined;
  #spanStart = 0;
  #spanEnd = 0;

  constructor(readonly converters: readonly (Converter | undefined)[]) {}

  get count(): number {
    return this.#count;
  }

  get bytes(): Buffer {
    return this.#bytes;
  }

  get starts(): Int32Array {
    return this.#starts;
  }

  /**
   * DataRow messages lie back to back in the parser's buffer, so consecutive bodies are noted as one
   * span and copied in one call at flush (the parser flushes before it reuses its buffer and when
   * the result ends): one copy per socket read instead of one per row. A row's bytes then run to
   * the next row's start, through the next message's 5-byte header, which decoding never reads.
   */
  collect(bytes: Buffer, start: number, end: number): void {
    if (bytes !== this.#span || start !== this.#spanEnd + HEADER) {
      this.flush();
      this.#span = bytes;
      this.#spanStart = start;
    }
    if (this.#count === this.#starts.length) {
      const next = new Int32Array(this.#starts.length * 2);
      next.set(this.#starts);
      this.#starts = next;
    }
    this.#starts[this.#count++] = this.#used + (start - this.#spanStart);
    this.#spanEnd = end;
  }

  /** Copy the pending span; its source buffer is about to be reused or dropped. */
  flush(): void {
    const span = this.#span;
    if (!span) return;
    this.#span = undefined;
    const n = this.#spanEnd - this.#spanStart;
    if (this.#used + n > this.#bytes.length) {
      const next = Buffer.allocUnsafe(Math.max(this.#bytes.length * 2, this.#used + n));
      this.#bytes.copy(next, 0, 0, this.#used);
      this.#bytes = next;
    }
    span.copy(this.#bytes, this.#used, this.#spanStart, this.#spanEnd);
    this.#used += n;
    if (this.#used * 1.1 > sizeHint) sizeHint = Math.ceil(this.#used * 1.1);
  }

  /** The server's text of row i (nothing converted): keyset positions are bound from this. */
  rawRow(i: number): (string | null)[] {
    return decodeDataRow(this.#bytes, this.#starts[i]!, this.#end(i));
  }

  row(i: number): Row {
    if (this.#rows) return this.#rows[i]!;
    return this.#convert(this.rawRow(i));
  }

  rows(): Row[] {
    if (!this.#rows) {
      const rows = new Array<Row>(this.#count);
      for (let i = 0; i < this.#count; i++) rows[i] = this.#convert(this.rawRow(i));
      this.#rows = rows;
    }
    return this.#rows;
  }

  column(c: number): CellValue[] {
    if (this.#rows) return this.#rows.map((r) => r[c]!);
    const out = new Array<CellValue>(this.#count);
    const convert = this.converters[c];
    const bytes = this.#bytes;
    for (let i = 0; i < this.#count; i++) {
      const p = fieldOffset(this, i, c);
      const len = bytes.readInt32BE(p);
      if (len < 0) {
        out[i] = null;
        continue;
      }
      const text = bytes.toString('utf8', p + 4, p + 4 + len);
      out[i] = convert ? convert(text) : text;
    }
    return out;
  }

  #end(i: number): number {
    return i + 1 < this.#count ? this.#starts[i + 1]! : this.#used;
  }

  /** In place, as the ordinary path does: a converter never sees NULL. */
  #convert(fields: (string | null)[]): Row {
    const row: Row = fields;
    const converters = this.converters;
    for (let i = 0; i < converters.length; i++) {
      const convert = converters[i];
      const v = fields[i];
      if (convert && v !== null && v !== undefined) row[i] = convert(v);
    }
    return row;
  }
}
