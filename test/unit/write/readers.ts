/**
 * Independent readers for the writers' tests: DuckDB for Parquet (its own Parquet reader, not
 * parquet-rs) and exceljs's workbook reader for Excel.
 */
import { readFileSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import ExcelJS from 'exceljs';

export type Query = (sql: string) => Promise<Record<string, unknown>[]>;

/** Runs `fn` against an in-memory DuckDB whose session time zone is UTC. */
export async function withDuckDb<T>(fn: (query: Query) => Promise<T>): Promise<T> {
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  try {
    await con.run("SET TimeZone = 'UTC'");
    return await fn(async (sql) => (await con.runAndReadAll(sql)).getRowObjectsJS());
  } finally {
    con.closeSync();
    db.closeSync();
  }
}

/** `'…'` quoted for SQL. */
export const sqlString = (s: string): string => `'${s.replace(/'/g, "''")}'`;

export interface SheetData {
  name: string;
  /** Row 1 (the header) first; each row's cell values from column 1 on. */
  rows: unknown[][];
  frozen: boolean;
  widths: (number | undefined)[];
  headerBold: boolean;
  notes: (string | undefined)[];
  /** Number format of each column's first data cell (undefined: General, or no data rows). */
  formats: (string | undefined)[];
  /** The sheet's auto-filter range ("A1:K7"), if any. */
  autoFilter: string | undefined;
  /** Rows repeated on every printed page ("1:1"), if any. */
  printTitles: string | undefined;
}

/** Every sheet of an .xlsx file as exceljs reads it back. */
export async function readWorkbook(file: string, columns: number): Promise<SheetData[]> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(file);
  return wb.worksheets.map((ws) => {
    const rows: unknown[][] = [];
    ws.eachRow({ includeEmpty: true }, (row) => {
      const cells: unknown[] = [];
      for (let c = 1; c <= columns; c++) {
        const v = row.getCell(c).value;
        cells.push(v === undefined ? null : v);
      }
      rows.push(cells);
    });
    const header = ws.getRow(1);
    const cols = Array.from({ length: columns }, (_, c) => ws.getColumn(c + 1));
    return {
      name: ws.name,
      rows,
      frozen: ws.views.some((v) => v.state === 'frozen' && v.ySplit === 1),
      widths: cols.map((c) => c.width),
      headerBold: header.getCell(1).font?.bold === true,
      notes: cols.map((_, c) => {
        const note = header.getCell(c + 1).note;
        return typeof note === 'string' ? note : note?.texts?.map((t) => t.text).join('');
      }),
      formats: cols.map((_, c) => (rows.length > 1 ? ws.getRow(2).getCell(c + 1).numFmt : undefined)),
      autoFilter: autoFilterRange(ws.autoFilter),
      printTitles: ws.pageSetup.printTitlesRow,
    };
  });
}

/** exceljs reads an auto-filter back as its "A1:K7" text; written ones may be a from/to pair. */
function autoFilterRange(filter: ExcelJS.AutoFilter | undefined): string | undefined {
  if (filter === undefined || typeof filter === 'string') return filter;
  const at = (a: string | { row: number; column: number }) =>
    typeof a === 'string' ? a : `R${a.row}C${a.column}`;
  return `${at(filter.from)}:${at(filter.to)}`;
}

/**
 * One entry of a zip file (an .xlsx) as text, read with node:zlib from the central directory, so
 * that a test can look at XML that exceljs's reader does not keep (hidden defined names).
 */
export function readZipEntry(file: string, name: string): string {
  const zip = readFileSync(file);
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (end < 0) throw new Error(`${file}: not a zip file`);
  let at = zip.readUInt32LE(end + 16);
  for (let n = zip.readUInt16LE(end + 10); n > 0; n--) {
    const method = zip.readUInt16LE(at + 10);
    const size = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const skip = nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    if (zip.toString('utf8', at + 46, at + 46 + nameLength).replace(/^\//, '') === name) {
      const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
      const data = zip.subarray(start, start + size);
      return (method === 8 ? inflateRawSync(data) : data).toString('utf8');
    }
    at += 46 + skip;
  }
  throw new Error(`${file}: no entry ${name}`);
}
