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

export class MysqlEncodedRows extends LayoutRows {
  constructor(
    private readonly plan: RowPlan,
    converters: readonly (Converter | undefined)[],
  ) {
    super(converters);
  }

  /** Re-pack the row packet payload `src[start, end)` after the rows so far. */
  add(src: Buffer, start: number, end: number): void {
    const room = repackBound(end - start, this.plan);
    this.reserve(room);
    this.addStart(this.used);
    this.used = repackRow(src, start, end, this.plan, this.buffer, this.used);
  }

  /** Note the batch's size for the next one; call when the result has ended. */
  finish(): void {
    this.noteSize();
  }
}
