/**
 * The reader's view of a processed dataset: what `data/processed/<source>` names right now, checked
 * the way a careful reader would trust it (its `_version.json`, every file it lists there with its
 * sha256, nothing else), and its rows read back by DuckDB as canonical text — the text the CSV
 * writer prints for the same value, so a dataset compares with a raw CSV extraction cell by cell.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { VERSION_FILE, type VersionMeta } from '../../../src/load/index.js';
import { sqlString, withDuckDb } from '../../unit/write/readers.js';

export interface CurrentVersion {
  /** The version directory the link resolves to. */
  directory: string;
  meta: VersionMeta;
  /** Everything a reader would find wrong with it (empty when the version is complete). */
  problems: string[];
}

/** The version `<processed>/<source>` resolves to, or undefined when there is no link yet. */
export function inspectCurrent(processed: string, source: string): CurrentVersion | undefined {
  const link = path.join(processed, source);
  if (!existsSync(link)) return undefined;
  const directory = realpathSync(link);
  const metaFile = path.join(directory, VERSION_FILE);
  if (!existsSync(metaFile))
    return { directory, meta: undefined as never, problems: [`${directory}: no ${VERSION_FILE}`] };
  const meta = JSON.parse(readFileSync(metaFile, 'utf8')) as VersionMeta;
  const problems: string[] = [];
  if (meta.version !== path.basename(directory))
    problems.push(`${directory}: ${VERSION_FILE} names version ${meta.version}`);
  const listed = new Set(meta.files.map((f) => f.path));
  for (const f of meta.files) {
    const file = path.join(directory, f.path);
    if (!existsSync(file)) {
      problems.push(`${file}: listed but missing`);
      continue;
    }
    const sha = createHash('sha256').update(readFileSync(file)).digest('hex');
    if (sha !== f.sha256) problems.push(`${file}: sha256 differs from ${VERSION_FILE}`);
  }
  for (const file of parquetFilesUnder(directory))
    if (!listed.has(file)) problems.push(`${path.join(directory, file)}: not listed in ${VERSION_FILE}`);
  return { directory, meta, problems };
}

/** A dataset's rows as canonical text, one JSON array per row, sorted; and a digest of them all. */
export interface DatasetContent {
  columns: string[];
  rows: string[];
  digest: string;
}

/**
 * The rows of the current version, read through the stable path `<processed>/<source>` as analysts
 * do. `columns` defaults to the version's own columns (the Hive partition key is not one of them).
 */
export async function readDataset(
  processed: string,
  source: string,
  columns?: readonly string[],
): Promise<DatasetContent> {
  const current = inspectCurrent(processed, source);
  if (!current) throw new Error(`${source}: no processed dataset`);
  const names = columns ? [...columns] : current.meta.columns.map((c) => c.name);
  if (current.meta.files.length === 0) return content(names, []);
  const glob = sqlString(path.join(processed, source, '**', '*.parquet'));
  const from = `read_parquet(${glob}, hive_partitioning = false)`;
  const rows = await withDuckDb(async (q) => {
    const types = (await q(
      `SELECT column_name AS name, column_type AS type FROM (DESCRIBE SELECT * FROM ${from})`,
    )) as { name: string; type: string }[];
    const typeOf = new Map(types.map((t) => [t.name, t.type]));
    const select = names.map((n, i) => `${canonicalText(n, typeOf.get(n))} AS c${i}`).join(', ');
    const out = await q(`SELECT ${select} FROM ${from}`);
    return out.map((r) => JSON.stringify(names.map((_, i) => r[`c${i}`])));
  });
  return content(names, rows);
}

function content(columns: string[], rows: string[]): DatasetContent {
  rows.sort();
  const digest = createHash('sha256').update(rows.join('\n')).digest('hex').slice(0, 16);
  return { columns, rows, digest };
}

/** DuckDB SQL giving a column's value as the CSV writer prints it ('' for NULL). */
export function canonicalText(name: string, type: string | undefined): string {
  const col = `"${name.replace(/"/g, '""')}"`;
  if (type === undefined) throw new Error(`column ${name} is not in the dataset`);
  if (type.startsWith('TIMESTAMP WITH TIME ZONE'))
    return `coalesce(strftime(${col} AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%fZ'), '')`;
  if (type.startsWith('TIMESTAMP')) return `coalesce(strftime(${col}, '%Y-%m-%dT%H:%M:%S.%f'), '')`;
  if (type === 'BOOLEAN') return `coalesce(CASE WHEN ${col} THEN 'true' ELSE 'false' END, '')`;
  return `coalesce(CAST(${col} AS VARCHAR), '')`;
}

/** Parquet files under `dir`, relative to it and '/'-separated. */
function parquetFilesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(path.join(d, e.name), r);
      else if (e.name.endsWith('.parquet')) out.push(r);
    }
  };
  walk(dir, '');
  return out;
}
