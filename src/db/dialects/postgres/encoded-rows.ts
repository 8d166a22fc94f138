/**
 * One batch's rows as the DataRow bodies the server sent, copied out of the socket buffer (which pg
 * reuses) into one growing buffer. Reading them (decoding on demand, once) is LayoutRows's.
 */
import { LayoutRows } from '../../layout-rows.js';
import type { RowSink } from './data-row.js';
import type { Converter } from './types.js';

/** A message's code (1 byte) and length (4 bytes). */
const HEADER = 5;

/** Bytes of the largest batch collected in this process, plus a margin (at least 64 KiB). */
let sizeHint = 64 * 1024;

export class PgEncodedRows extends LayoutRows implements RowSink {
  // Sized like the largest batch so far: growing by doubling allocated (and garbage-collected)
  // twice the batch in buffers outside the heap, which V8 answers with full collections.
  #bytes = Buffer.allocUnsafe(Math.min(sizeHint, 8 * 1024 * 1024));
  /** Bodies noted but not yet copied: [#spanStart, #spanEnd) of #span. */
  #span: Buffer | undefined;
  #spanStart = 0;
  #spanEnd = 0;

  constructor(converters: readonly (Converter | undefined)[]) {
    super(converters);
  }

  get bytes(): Buffer {
    return this.#bytes;
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
    this.addStart(this.used + (start - this.#spanStart));
    this.#spanEnd = end;
  }

  /** Copy the pending span; its source buffer is about to be reused or dropped. */
  flush(): void {
    const span = this.#span;
    if (!span) return;
    this.#span = undefined;
    const n = this.#spanEnd - this.#spanStart;
    if (this.used + n > this.#bytes.length) {
      const next = Buffer.allocUnsafe(Math.max(this.#bytes.length * 2, this.used + n));
      this.#bytes.copy(next, 0, 0, this.used);
      this.#bytes = next;
    }
    span.copy(this.#bytes, this.used, this.#spanStart, this.#spanEnd);
    this.used += n;
    if (this.used * 1.1 > sizeHint) sizeHint = Math.ceil(this.used * 1.1);
  }
}
