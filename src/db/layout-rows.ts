/**
 * The reading half of a batch kept as bytes in the 'pg-text' layout of EncodedRows (PostgreSQL's
 * DataRow bodies back to back): what PgEncodedRows (filled from the socket's DataRow messages) and
 * MysqlEncodedRows (re-packed from MySQL row packets) share. Rows are decoded — decodeDataRow, then
 * the column converters, the same steps as the value path — only when asked for, once.
 */
import { fieldOffset, type CellValue, type EncodedRows, type Row } from '../schema/column-types.js';
import { decodeDataRow } from './dialects/postgres/data-row.js';

/** Turns a field's text into its canonical value (undefined: the text is the value). */
type Converter = (text: string) => CellValue;

/**
 * Buffers of released batches, for the next ones. Each batch buffer is a few MB outside the heap,
 * and V8 answers a stream of such allocations with full collections (measured on 1M MySQL rows to
 * CSV: 33 mark-compacts with a fresh buffer per batch, 19 reusing three; PostgreSQL 4M rows: the
 * collector's share of the CPU fell from 7 % to 3 %).
 */
const spare: Buffer[] = [];
const MAX_SPARE = 3;
const released = Buffer.alloc(0);

/** Bytes of the largest batch collected in this process, plus a margin (at least 64 KiB). */
let sizeHint = 64 * 1024;

export abstract class LayoutRows implements EncodedRows {
  readonly kind = 'pg-text';
  protected rowStarts = new Int32Array(1024);
  protected rowCount = 0;
  /** Bytes of the layout in use. */
  protected used = 0;
  /**
   * The layout, sized like the largest batch so far: growing by doubling allocated (and collected)
   * twice the batch outside the heap, which V8 answers with full collections.
   */
  protected buffer = takeBuffer(Math.min(sizeHint, 8 * 1024 * 1024));
  #rows: Row[] | undefined;

  constructor(readonly converters: readonly (Converter | undefined)[]) {}

  /** The layout's bytes (row i from starts[i]). */
  get bytes(): Buffer {
    if (this.buffer === released) throw new Error('the bytes of a batch were read after release()');
    return this.buffer;
  }

  /** Room for `n` more bytes after the `used` ones. */
  protected reserve(n: number): void {
    if (this.used + n <= this.buffer.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.used + n));
    this.buffer.copy(next, 0, 0, this.used);
    this.buffer = next;
  }

  /** The result has ended: note its size for the next batch's buffer. */
  protected noteSize(): void {
    if (this.used * 1.1 > sizeHint) sizeHint = Math.ceil(this.used * 1.1);
  }

  /**
   * The consumer is done with the bytes (it asked for the next batch): the buffer goes to the next
   * batch. Rows decoded before stay valid; reading the bytes afterwards throws rather than read
   * another batch's rows.
   */
  release(): void {
    if (this.buffer === released) return;
    if (spare.length < MAX_SPARE) spare.push(this.buffer);
    this.buffer = released;
  }

  get count(): number {
    return this.rowCount;
  }

  get starts(): Int32Array {
    return this.rowStarts;
  }

  /** Note that the next row starts at `offset` of the layout. */
  protected addStart(offset: number): void {
    if (this.rowCount === this.rowStarts.length) {
      const next = new Int32Array(this.rowStarts.length * 2);
      next.set(this.rowStarts);
      this.rowStarts = next;
    }
    this.rowStarts[this.rowCount++] = offset;
  }

  /** The texts of row i as they are in the layout (nothing converted): keyset positions are bound from this. */
  rawRow(i: number): (string | null)[] {
    return decodeDataRow(this.bytes, this.rowStarts[i]!, this.#end(i));
  }

  row(i: number): Row {
    if (this.#rows) return this.#rows[i]!;
    return this.#convert(this.rawRow(i));
  }

  rows(): Row[] {
    if (!this.#rows) {
      const rows = new Array<Row>(this.rowCount);
      for (let i = 0; i < this.rowCount; i++) rows[i] = this.#convert(this.rawRow(i));
      this.#rows = rows;
    }
    return this.#rows;
  }

  column(c: number): CellValue[] {
    if (this.#rows) return this.#rows.map((r) => r[c]!);
    const out = new Array<CellValue>(this.rowCount);
    const convert = this.converters[c];
    const bytes = this.bytes;
    for (let i = 0; i < this.rowCount; i++) {
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
    return i + 1 < this.rowCount ? this.rowStarts[i + 1]! : this.used;
  }

  /** In place, as the value path does: a converter never sees NULL. */
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

/**
 * A spare buffer of at least `size` bytes, or a new one with a quarter more: batch sizes creep up
 * by a few KB at a time, and buffers made to the byte had all become too small for the next batch
 * (measured: a new 3.6 MB buffer every few batches, dead ones piling up outside the heap until V8
 * collected, +30 MB peak RSS writing Parquet).
 */
function takeBuffer(size: number): Buffer {
  const i = spare.findIndex((b) => b.length >= size);
  if (i >= 0) return spare.splice(i, 1)[0]!;
  spare.pop();
  return Buffer.allocUnsafe(Math.ceil(size * 1.25));
}
