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

export abstract class LayoutRows implements EncodedRows {
  readonly kind = 'pg-text';
  protected rowStarts = new Int32Array(1024);
  protected rowCount = 0;
  /** Bytes of the layout in use. */
  protected used = 0;
  #rows: Row[] | undefined;

  constructor(readonly converters: readonly (Converter | undefined)[]) {}

  /** The layout's bytes (row i from starts[i]). */
  abstract get bytes(): Buffer;

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
