/** Read CSV written by moh-etl back with an independent RFC 4180 parser (csv-parse). */
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';

/** Data rows (header skipped) as arrays of text. */
export function csvRows(file: string): string[][] {
  const rows: string[][] = parse(readFileSync(file), { from_line: 2 });
  return rows;
}

/** Records keyed by the header. */
export function csvRecords(file: string): Record<string, string>[] {
  const records: Record<string, string>[] = parse(readFileSync(file), { columns: true });
  return records;
}
