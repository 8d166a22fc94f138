/**
 * One batch's rows as bytes in the 'pg-text' layout of EncodedRows, re-packed from MySQL row
 * packets as they arrive (text-row.ts `repackRow`: a copy per field, the lengths widened to 32
 * bits). The layout is PostgreSQL's DataRow body, so everything that reads EncodedRows — the CSV
 * writer's byte path, the settled-rows counter — reads these rows unchanged, and decoding them
 * on demand is LayoutRows's, as for PostgreSQL's.
 */
import { LayoutRows } from '../../layout-rows.js';
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

export class MysqlEncodedRows extends LayoutRows {
  // Sized like the largest batch so far: growing by doubling allocates (and collects) twice the
  // batch outside the heap, which V8 answers with full collections (see PgEncodedRows).
  #bytes = takeBuffer(Math.min(sizeHint, 8 * 1024 * 1024));

  constructor(
    private readonly plan: RowPlan,
    converters: readonly (Converter | undefined)[],
  ) {
    super(converters);
  }

  get bytes(): Buffer {
    if (this.#bytes === released) throw new Error('the bytes of a MySQL batch were read after release()');
    return this.#bytes;
  }

  /** Re-pack the row packet payload `src[start, end)` after the rows so far. */
  add(src: Buffer, start: number, end: number): void {
    const room = repackBound(end - start, this.plan);
    if (this.used + room > this.#bytes.length) this.#grow(room);
    this.addStart(this.used);
    this.used = repackRow(src, start, end, this.plan, this.#bytes, this.used);
  }

  /** Note the batch's size for the next one; call when the result has ended. */
  finish(): void {
    if (this.used * 1.1 > sizeHint) sizeHint = Math.ceil(this.used * 1.1);
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

  #grow(room: number): void {
    const next = Buffer.allocUnsafe(Math.max(this.#bytes.length * 2, this.used + room));
    this.#bytes.copy(next, 0, 0, this.used);
    this.#bytes = next;
  }
}
