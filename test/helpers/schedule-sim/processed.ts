/**
 * data/processed compared with the source, as test/integration/pipeline-days.test.ts does it: the
 * truth is a fresh full extraction to CSV by an independent project (its own state, admin login;
 * the extractor is exact, extract.test.ts), the processed dataset is read by DuckDB through its
 * stable path and printed the way the CSV writer prints each type. Hard deletes reach the dataset
 * only with a refresh, which a daily incremental job never does, so the dataset may hold rows the
 * source has deleted since they were loaded — keys an earlier comparison saw in the source — and
 * nothing else.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import type { LoadedConfig } from '../../../src/config/load.js';
import { silentLogger } from '../../../src/observe/logger.js';
import { runExtract } from '../../../src/pipeline/extract-step.js';
import { sqlString, withDuckDb } from '../../unit/write/readers.js';
import type { SimSource } from './project.js';

export const KEYS: Record<SimSource, string> = {
  patients: 'patient_id',
  attendances: 'attendance_id',
  medications: 'medication_id',
  lab_results: 'lab_result_id',
};

/** How one source's processed dataset differs from the source (all zero: equal). */
export interface Difference {
  source: SimSource;
  rows: number;
  /** Keys present in the dataset more than once. */
  duplicates: number;
  /** Source keys missing from the dataset. */
  missing: number;
  /** Keys in both whose values differ. */
  changed: number;
  /** Keys in the dataset the source had once and no longer has: its hard deletes. */
  deleted: number;
  /** Keys in the dataset the source never had. */
  unknown: number;
  /** A few differing keys, for the failure message (keys are ids, not patient data). */
  examples: string[];
}

/** Every key each source has had, over the comparisons so far. */
export type SeenKeys = Record<SimSource, Set<string>>;

/**
 * Compare every source's processed dataset in `project` with what `oracle` extracts now; `seen`
 * gains the source's current keys.
 */
export async function compareProcessed(
  project: LoadedConfig,
  oracle: LoadedConfig,
  sources: readonly SimSource[],
  seen: SeenKeys,
): Promise<Difference[]> {
  const summary = await runExtract(
    oracle,
    { sources: [...sources], mode: 'full', fresh: true },
    silentLogger(),
  );
  const out: Difference[] = [];
  for (const r of summary.sources) {
    const source = r.source as SimSource;
    const manifest = JSON.parse(readFileSync(r.manifest!, 'utf8')) as { columns: { name: string }[] };
    const header = manifest.columns.map((c) => c.name);
    const key = header.indexOf(KEYS[source]);
    const truth = new Map<string, string[]>();
    for (const file of r.files) {
      const rows: string[][] = parseCsv(readFileSync(file), { from_line: 2 });
      for (const row of rows) truth.set(row[key]!, row);
    }
    for (const k of truth.keys()) seen[source].add(k);
    out.push(await diff(project, source, header, truth, seen[source]));
  }
  return out;
}

async function diff(
  project: LoadedConfig,
  source: SimSource,
  header: string[],
  truth: Map<string, string[]>,
  everSeen: ReadonlySet<string>,
): Promise<Difference> {
  const rows = await readProcessed(project, source, header);
  const seen = new Map<string, string[]>();
  const d: Difference = {
    source,
    rows: rows.length,
    duplicates: 0,
    missing: 0,
    changed: 0,
    deleted: 0,
    unknown: 0,
    examples: [],
  };
  const note = (what: string, k: string) =>
    d.examples.length < 5 && d.examples.push(`${what} ${KEYS[source]}=${k}`);
  for (const row of rows) {
    const k = row[header.indexOf(KEYS[source])]!;
    if (seen.has(k)) {
      d.duplicates++;
      note('twice', k);
    }
    seen.set(k, row);
  }
  for (const [k, row] of truth) {
    const got = seen.get(k);
    if (!got) {
      d.missing++;
      note('missing', k);
    } else if (got.join('\u0000') !== row.join('\u0000')) {
      d.changed++;
      note('changed', k);
    }
  }
  for (const k of seen.keys()) {
    if (truth.has(k)) continue;
    if (everSeen.has(k)) d.deleted++;
    else {
      d.unknown++;
      note('never in the source:', k);
    }
  }
  return d;
}

/** The processed dataset through its stable path, every value as the CSV writer would print it. */
async function readProcessed(
  project: LoadedConfig,
  source: SimSource,
  header: string[],
): Promise<string[][]> {
  const glob = path.join(project.root, 'data/processed', source, '**', '*.parquet');
  return withDuckDb(async (q) => {
    const types = (await q(
      `SELECT column_name AS name, column_type AS type FROM (DESCRIBE SELECT * FROM read_parquet(${sqlString(glob)}))`,
    )) as { name: string; type: string }[];
    const typeOf = new Map(types.map((t) => [t.name, t.type]));
    const select = header.map((c) => `${csvText(c, typeOf.get(c) ?? 'VARCHAR')} AS "${c}"`).join(', ');
    const rows = (await q(`SELECT ${select} FROM read_parquet(${sqlString(glob)})`)) as Record<
      string,
      string
    >[];
    return rows.map((r) => header.map((c) => r[c] ?? ''));
  });
}

/** DuckDB SQL giving a column's value in the CSV writer's canonical text ('' for NULL). */
function csvText(name: string, type: string): string {
  const col = `"${name}"`;
  if (type.startsWith('TIMESTAMP WITH TIME ZONE'))
    return `coalesce(strftime(${col} AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%fZ'), '')`;
  if (type.startsWith('TIMESTAMP')) return `coalesce(strftime(${col}, '%Y-%m-%dT%H:%M:%S.%f'), '')`;
  if (type === 'BOOLEAN') return `coalesce(CASE WHEN ${col} THEN 'true' ELSE 'false' END, '')`;
  return `coalesce(CAST(${col} AS VARCHAR), '')`;
}
