/**
 * SpreadsheetML for data rows, rendered as one string per batch. exceljs's Row/Cell objects cost
 * about 50 µs per 11-column row (a style object per cell, most of it garbage): below the 20k rows/s
 * the Excel output needs. The workbook, sheets, header row, styles and zip stay exceljs's; only the
 * <row> elements of data rows are written here, into the worksheet's own stream, after exceljs has
 * written the header row (so <cols> and <sheetData> are open) and before it closes the sheet.
 */
import type { CellValue, ColumnSpec, Row } from '../schema/column-types.js';
import { cellConverter, CellError, type CellConverter } from './excel-cells.js';

/** "A", "B", …, "Z", "AA", … for 0-based column c. */
export function columnLetters(c: number): string {
  let s = '';
  for (let n = c + 1; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
}

const XML_SPECIAL = /[&<>]/;
const xmlText = (s: string): string =>
  XML_SPECIAL.test(s) ? s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;') : s;
const EDGE_SPACE = /^\s|\s$/;

/** A value Excel cannot hold, in 0-based column `column`. */
export class CellFailure extends Error {
  constructor(
    readonly column: number,
    error: CellError,
  ) {
    super(error.message, { cause: error });
  }
}

export class RowRenderer {
  readonly #convert: CellConverter[];
  /** `<c r="B` per column: the row number follows. */
  readonly #refs: string[];
  /**
   * Per column, what follows the row number for each kind of value, with the column's style
   * (` s="N"`, its number format) when it has one. Built once: a row is then about five string
   * pieces per cell, which matters at a million rows (each piece is a string V8 must collect).
   */
  readonly #number: string[];
  readonly #boolean: string[];
  readonly #text: string[];
  readonly #spacedText: string[];

  constructor(columns: ColumnSpec[], styleIds: number[]) {
    this.#convert = columns.map(cellConverter);
    this.#refs = columns.map((_, c) => `<c r="${columnLetters(c)}`);
    const style = columns.map((_, c) => ((styleIds[c] ?? 0) > 0 ? ` s="${styleIds[c]}"` : ''));
    this.#number = style.map((s) => `"${s}><v>`);
    this.#boolean = style.map((s) => `"${s} t="b"><v>`);
    this.#text = style.map((s) => `"${s} t="inlineStr"><is><t>`);
    this.#spacedText = style.map((s) => `"${s} t="inlineStr"><is><t xml:space="preserve">`);
  }

  /** The <row> element for sheet row number `r` (1-based; row 1 is the header). */
  render(r: number, row: Row): string {
    const n = String(r);
    let xml = `<row r="${n}">`;
    const convert = this.#convert;
    for (let c = 0; c < convert.length; c++) {
      const raw: CellValue = row[c] ?? null;
      if (raw === null) continue;
      let v;
      try {
        v = convert[c]!(raw);
      } catch (e) {
        if (e instanceof CellError) throw new CellFailure(c, e);
        throw e;
      }
      if (v === null) continue;
      if (typeof v === 'number') xml += this.#refs[c]! + n + this.#number[c]! + v + '</v></c>';
      else if (typeof v === 'boolean')
        xml += this.#refs[c]! + n + this.#boolean[c]! + (v ? '1' : '0') + '</v></c>';
      else
        xml +=
          this.#refs[c]! +
          n +
          (EDGE_SPACE.test(v) ? this.#spacedText[c]! : this.#text[c]!) +
          xmlText(v) +
          '</t></is></c>';
    }
    return xml + '</row>';
  }
}
