/**
 * Excel (.xlsx) through exceljs's streaming WorkbookWriter. Rows are rendered as they are written
 * (excel-rows.ts) into the worksheet's zip entry, so memory does not grow with the part. The zip
 * bytes go through a Writable into AtomicFile, which hashes and counts them as they are written and
 * renames the file into place on commit.
 *
 * Sheets are named data, data_2, …: a new sheet starts before Excel's 1,048,576-row limit (header
 * included); the committed part says how many it holds (ExcelCommittedPart.sheets). Every sheet has
 * a bold, frozen header row, an auto-filter over the header and the sheet's rows, a note on UTC
 * timestamp columns, a number format per column type and column widths from the header and the
 * part's first rows (excel-columns.ts). Cell values: excel-cells.ts.
 */
import { AtomicFile } from './atomic.js';
import type { WriterSpec } from './writer.js';

export type { ExcelCommittedPart } from './excel-part.js';

/** Data rows in one sheet: Excel's 1,048,576 rows less the header row. */
export const EXCEL_SHEET_ROWS = 1_048_575;

export interface ExcelWriterOptions {
  /** Data rows per sheet before the next sheet starts (tests set it small). Default: EXCEL_SHEET_ROWS. */
  sheetRows?: number;
}

/**
 * The sheets a part of `rows` data rows is written in: at least one (an empty part still has its
 * header row). The same number the writer reports on the committed part.
 */
export function excelSheetCount(rows: number, sheetRows: number = EXCEL_SHEET_ROWS): number {
  return Math.max(1, Math.ceil(rows / sheetRows));
}

export function excelWriterSpec(options: ExcelWriterOptions = {}): WriterSpec {
  const sheetRows = options.sheetRows ?? EXCEL_SHEET_ROWS;
  if (!Number.isInteger(sheetRows) || sheetRows < 1 || sheetRows > EXCEL_SHEET_ROWS)
    throw new RangeError(`sheetRows must be an integer from 1 to ${EXCEL_SHEET_ROWS}`);
  return {
    format: 'xlsx',
    extension: 'xlsx',
    // One full sheet per part: a larger part still works (it rolls over to data_2, …), but Excel
    // users open one sheet per file far more comfortably than a multi-million-row workbook.
    capabilities: { typed: false, maxRowsPerPart: EXCEL_SHEET_ROWS, encodedRows: false },
    async open(path, columns, output) {
      const { ExcelPartWriter } = await import('./excel-part.js');
      const file = await AtomicFile.create(path, Number.parseInt(output.file_mode, 8));
      return new ExcelPartWriter(file, columns, sheetRows);
    },
  };
}

export const excelWriter: WriterSpec = excelWriterSpec();
