/**
 * Independent readers for the writers' tests: DuckDB for Parquet (its own Parquet reader, not
 * parquet-rs) and exceljs's workbook reader for Excel.
 */
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
  formats: (string | undefined)[];
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
    };
  });
}
