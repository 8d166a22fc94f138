/**
 * A project for the built CLI on a demo database: the repository's shipped configuration (its
 * transform — de-identified profile, the attendances template joining the date of birth — and its
 * load section) pointed at `conn`, with checks off (a check failing on the demo's dates is not
 * what these tests are about), a pseudonymisation key in `.env` as `moh-etl demo` writes one, and
 * an oracle project beside it (no transform) whose full extraction says what the source holds.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { parse, stringify } from 'yaml';
import { loadConfig, type LoadedConfig } from '../../../src/config/load.js';
import { silentLogger } from '../../../src/observe/logger.js';
import { runExtract } from '../../../src/pipeline/extract-step.js';
import type { DbConnection } from '../databases.js';
import { projectFor } from '../demo-source.js';
import type { DatasetContent } from './processed.js';

export interface DemoProject {
  /** The project the CLI runs in (shipped transform and load). */
  project: LoadedConfig;
  /** The same sources without a transform: its full extraction is the truth. */
  oracle: LoadedConfig;
  /** `MOH_PSEUDONYM_KEY=…` for the CLI (also in the project's .env). */
  env: NodeJS.ProcessEnv;
}

/** Small parts and batches (several staged files per run), no settle lag, the demo's lookback. */
const OVERRIDES = {
  extraction: { batch_size: 500, settle_lag: '0s', lookback: '12h' },
  output: { part_rows: 2000 },
};

export function demoProject(dir: string, conn: DbConnection, keepVersions = 3): DemoProject {
  const root = path.join(dir, 'project');
  projectFor(root, conn, { ...OVERRIDES, shippedTemplates: true });
  const file = path.join(root, 'config/database.yml');
  const doc = parse(readFileSync(file, 'utf8')) as Record<string, Record<string, unknown>>;
  doc.validation = { ...doc.validation, sources: {} };
  doc.load = { ...doc.load, keep_versions: keepVersions };
  writeFileSync(file, stringify(doc));
  const key = randomBytes(32).toString('hex');
  writeFileSync(path.join(root, '.env'), `MOH_PSEUDONYM_KEY=${key}\n`, { mode: 0o600 });
  const env = { MOH_PSEUDONYM_KEY: key };
  return {
    project: loadConfig({ root, env }),
    oracle: projectFor(path.join(dir, 'oracle'), conn, OVERRIDES),
    env,
  };
}

/** What a full extraction reads from the source now: its header and rows (canonical CSV text). */
export interface SourceTruth {
  header: string[];
  rows: string[][];
}

export async function fullExtraction(
  oracle: LoadedConfig,
  sources: readonly string[],
): Promise<Record<string, SourceTruth>> {
  const summary = await runExtract(
    oracle,
    { sources: [...sources], mode: 'full', fresh: true },
    silentLogger(),
  );
  const out: Record<string, SourceTruth> = {};
  for (const r of summary.sources) {
    if (r.status !== 'succeeded') throw new Error(`oracle extraction of ${r.source}: ${r.error}`);
    const manifest = JSON.parse(readFileSync(r.manifest!, 'utf8')) as { columns: { name: string }[] };
    const rows = r.files.flatMap((f): string[][] => parseCsv(readFileSync(f), { from_line: 2 }));
    out[r.source] = { header: manifest.columns.map((c) => c.name), rows };
  }
  return out;
}

/**
 * Columns whose processed values must equal the source's: those in both, minus every column the
 * source's transform touches (PII policies, cleaning steps). Derived columns are not in the source.
 */
export function comparableColumns(project: LoadedConfig, source: string, truth: SourceTruth): string[] {
  const t = project.config.transform.sources[source];
  const touched = new Set<string>(Object.keys(t?.pii ?? {}));
  for (const step of t?.steps ?? []) {
    if ('columns' in step && step.columns) step.columns.forEach((c) => touched.add(c));
    if ('column' in step) touched.add(step.column);
  }
  return truth.header.filter((c) => !touched.has(c));
}

/**
 * The dataset against the source, over the same columns, as multisets of rows (a pseudonymised key
 * cannot be matched, so rows are compared whole): `missing` source rows the dataset lacks (or holds
 * an older version of), and `extra` dataset rows the source no longer has (hard deletes, which only a
 * refresh removes, and older versions of rows).
 */
export function diffWithSource(
  dataset: DatasetContent,
  truth: SourceTruth,
): { missing: number; extra: number } {
  const index = dataset.columns.map((c) => truth.header.indexOf(c));
  const counts = new Map<string, number>();
  for (const row of dataset.rows) counts.set(row, (counts.get(row) ?? 0) + 1);
  let missing = 0;
  for (const row of truth.rows) {
    const key = JSON.stringify(index.map((i) => row[i] ?? ''));
    const n = counts.get(key) ?? 0;
    if (n === 0) missing++;
    else counts.set(key, n - 1);
  }
  let extra = 0;
  for (const n of counts.values()) extra += n;
  return { missing, extra };
}
