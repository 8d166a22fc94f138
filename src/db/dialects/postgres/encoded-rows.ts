/**
 * One batch's rows as the DataRow bodies the server sent, copied out of the socket buffer (which pg
 * reuses) into one growing buffer. Reading them (decoding on demand, once) is LayoutRows's.
 */
import { LayoutRows } from '../../layout-rows.js';
import type { RowSink } from './data-row.js';
import type { Converter } from './types.js';

/** A message's code (1 byte) and length (4 bytes). */
const HEADER = 5;

export class PgEncodedRows extends LayoutRows implements RowSink {
  /** Bodies noted but not yet copied: [#spanStart, #spanEnd) of #span. */
  #span: Buffer | undefined;
  #spanStart = 0;
  #spanEnd = 0;

  constructor(converters: readonly (Converter | undefined)[]) {
    super(converters);
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
    this.reserve(n);
    span.copy(this.buffer, this.used, this.#spanStart, this.#spanEnd);
    this.used += n;
    this.noteSize();
  }
}
