/**
 * Searching a project for values that must not be there. Text files are searched byte for byte
 * (as latin1, so any byte sequence is found), case-insensitively. Parquet files are compressed, so
 * their raw bytes prove little: each is read by DuckDB and every value, cast to text, is searched
 * too. A binary file of another kind cannot be searched and is reported as such, never passed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { sqlString, withDuckDb } from '../../unit/write/readers.js';

export interface Finding {
  /** The file (relative to the scanned root) or other place the needle was found in. */
  where: string;
  needle: string;
}

export interface ScanResult {
  /** Files searched (relative paths). */
  files: string[];
  /** Values read out of Parquet files and searched. */
  parquetValues: number;
  findings: Finding[];
  /** Binary files that are neither text nor Parquet. */
  unscannable: string[];
}

/** The needles that occur in `text`, case-insensitively. */
export function findIn(text: string, needles: readonly string[]): string[] {
  const hay = text.toLowerCase();
  return needles.filter((n) => hay.includes(n.toLowerCase()));
}

/** Every file under `root` except those `skip` refuses (paths relative to root, '/'-separated). */
export async function scanTree(
  root: string,
  needles: readonly string[],
  skip: (relative: string) => boolean = () => false,
): Promise<ScanResult> {
  const result: ScanResult = { files: [], parquetValues: 0, findings: [], unscannable: [] };
  for (const rel of filesUnder(root, '')) {
    if (skip(rel)) continue;
    result.files.push(rel);
    const bytes = readFileSync(path.join(root, rel));
    for (const needle of findIn(bytes.toString('latin1'), needles))
      result.findings.push({ where: rel, needle });
    if (rel.endsWith('.parquet')) {
      const values = await parquetValues(path.join(root, rel));
      result.parquetValues += values.length;
      for (const needle of findIn(values.join('\n'), needles))
        result.findings.push({ where: `${rel} (values)`, needle });
    } else if (bytes.includes(0)) {
      result.unscannable.push(rel);
    }
  }
  return result;
}

/** Every value of a Parquet file as DuckDB's text for it (NULLs left out). */
export async function parquetValues(file: string): Promise<string[]> {
  return withDuckDb(async (q) => {
    const from = `read_parquet(${sqlString(file)}, hive_partitioning = false)`;
    const columns = (await q(`SELECT column_name AS name FROM (DESCRIBE SELECT * FROM ${from})`)) as {
      name: string;
    }[];
    if (columns.length === 0) return [];
    const select = columns
      .map((c, i) => `CAST("${c.name.replace(/"/g, '""')}" AS VARCHAR) AS v${i}`)
      .join(', ');
    const rows = await q(`SELECT ${select} FROM ${from}`);
    return rows.flatMap((r) => Object.values(r).filter((v): v is string => typeof v === 'string'));
  });
}

/** Regular files under `dir` (symbolic links are not followed: what they name is scanned where it is). */
function filesUnder(dir: string, rel: string): string[] {
  return readdirSync(path.join(dir, rel), { withFileTypes: true }).flatMap((e) => {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) return filesUnder(dir, r);
    return e.isFile() ? [r] : [];
  });
}
