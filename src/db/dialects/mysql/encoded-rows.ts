/**
 * One batch's rows as bytes in the 'pg-text' layout of EncodedRows, re-packed from MySQL row
 * packets as they arrive (text-row.ts `repackRow`: a copy per field, the lengths widened to 32
 * bits). The layout is PostgreSQL's DataRow body, so everything that reads EncodedRows — the CSV
 * writer's byte path, the settled-rows counter — reads these rows unchanged, and rows are decoded
 * (the same steps as PostgreSQL's: decodeDataRow, then the column converters) only when asked for.
 */
import { fieldOffset, type CellValue, type EncodedRows, type Row } from '../../../schema/column-types.js';
// The layout's decoder: the layout is PostgreSQL's, so is its reader.
import { decodeDataRow } from '../postgres/data-row.js';
import type { Converter } from './column-plan.js';
import { repackBound, repackRow, type RowPlan } from './text-row.js';

/** Bytes of the largest batch re-packed in this process, plus a margin (at least 64 KiB). */
let sizeHint = 64 * 1024;

/**
 * Buffers of released batches, for the next ones. Each batch buffer is a few MB outside the heap;
 * V8 answers a stream of such allocations with full collections (measured on 1M rows to CSV: 33
 * mark-compacts with a fresh buffer per batch, 19 reusing three).
 */
const spare: Buffer[] = [];
const MAX_SPARE = 3;
const released = Buffer.alloc(0);

function takeBuffer(size: number): Buffer {
  const b = spare.pop();
  return b && b.length >= size ? b : Buffer.allocUnsafe(size);
}

export class MysqlEncodedRows implements EncodedRows {
  readonly kind = 'pg-text';
  // Sized like the largest batch so far: growing by doubling allocates (and collects) twice the
  // batch outside the heap, which V8 answers with full collections (see PgEncodedRows).
  #bytes = takeBuffer(Math.min(sizeHint, 8 * 1024 * 1024));
  #used = 0;
  #starts = new Int32Array(1024);
  #count = 0;
  #rows: Row[] | undefined;

  constructor(
    private readonly plan: RowPlan,
    readonly converters: readonly (Converter | undefined)[],
  ) {}

  get count(): number {
    return this.#count;
  }

  get bytes(): Buffer {
    return this.#live();
  }

  get starts(): Int32Array {
    return this.#starts;
  }

  /** Re-pack the row packet payload `src[start, end)` after the rows so far. */
  add(src: Buffer, start: number, end: number): void {
    const room = repackBound(end - start, this.plan);
    if (this.#used + room > this.#bytes.length) this.#grow(room);
    if (this.#count === this.#starts.length) {
      const next = new Int32Array(this.#starts.length * 2);
      next.set(this.#starts);
      this.#starts = next;
    }
    this.#starts[this.#count++] = this.#used;
    this.#used = repackRow(src, start, end, this.plan, this.#bytes, this.#used);
  }

  /** Note the batch's size for the next one; call when the result has ended. */
  finish(): void {
    if (this.#used * 1.1 > sizeHint) sizeHint = Math.ceil(this.#used * 1.1);
  }

  /**
   * The consumer is done with the bytes: the buffer goes to the next batch. Rows decoded before stay
   * valid; reading the bytes afterwards throws rather than read another batch's rows.
   */
  release(): void {
    if (this.#bytes === released) return;
    if (spare.length < MAX_SPARE) spare.push(this.#bytes);
    this.#bytes = released;
  }

  /** The texts of row i as they are in the layout (nothing converted). */
  rawRow(i: number): (string | null)[] {
    return decodeDataRow(this.#live(), this.#starts[i]!, this.#end(i));
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
    const bytes = this.#live();
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

  #live(): Buffer {
    if (this.#bytes === released) throw new Error('the bytes of a MySQL batch were read after release()');
    return this.#bytes;
  }

  #grow(room: number): void {
    const next = Buffer.allocUnsafe(Math.max(this.#bytes.length * 2, this.#used + room));
    this.#bytes.copy(next, 0, 0, this.#used);
    this.#bytes = next;
  }

  #end(i: number): number {
    return i + 1 < this.#count ? this.#starts[i + 1]! : this.#used;
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
