/**
 * A moh-etl project for arbitrary tables (config/database.yml + config/queries.yml in a temp root,
 * one connection `src`), and the reader's view of what extractions left under output.directory.
 *
 *   const loaded = writeTableProject(root, connection(), {
 *     sources: { events: { sql: 'SELECT id, updated_at, payload FROM events', primary_key: ['id'], cursor_column: 'updated_at' } },
 *     extraction: { batch_size: 97, settle_lag: '0s' },
 *     output: { part_rows: 500 },
 *   });
 *   const runs = runDirectories(path.join(root, 'data/raw'), 'events');  // every run directory
 *   const rows = runs.filter((r) => r.manifest).flatMap((r) => readRun(r).rows);
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'yaml';
import { loadConfig, type LoadedConfig } from '../../src/config/load.js';
import type { SourceState } from '../../src/extract/state.js';
import { MANIFEST_NAME, type Manifest } from '../../src/write/layout.js';
import { asConnectionConfig, type DbConnection } from './databases.js';

export interface TableSource {
  /** The source's query (a plain SELECT). */
  sql: string;
  primary_key: string[];
  cursor_column?: string;
  date_column?: string;
  mode?: 'incremental' | 'full';
  /** Time zone of the source's naive timestamps. */
  timezone?: string;
}

export interface TableProject {
  sources: Record<string, TableSource>;
  /** Keys of the `extraction:` section (state_dir defaults to data/state, logs to logs/). */
  extraction?: Record<string, unknown>;
  /** Keys of the `output:` section (directory defaults to data/raw). */
  output?: Record<string, unknown>;
  /** Keys of the `logging:` section. */
  logging?: Record<string, unknown>;
}

/**
 * Write config/database.yml and config/queries.yml under `root` for the given sources on `conn`,
 * and load them (relative paths in the config resolve against `root`, as for a CLI run there).
 */
export function writeTableProject(root: string, conn: DbConnection, p: TableProject): LoadedConfig {
  mkdirSync(path.join(root, 'config'), { recursive: true });
  const sources = Object.fromEntries(
    Object.entries(p.sources).map(([name, { sql: _sql, ...rest }]) => [name, { connection: 'src', ...rest }]),
  );
  const doc = {
    connections: { src: asConnectionConfig(conn) },
    sources,
    extraction: { default_connection: 'src', state_dir: 'data/state', ...p.extraction },
    // CSV unless a test asks otherwise: tests read the output back with a CSV parser.
    output: { directory: 'data/raw', formats: ['csv'], ...p.output },
    logging: { directory: 'logs', ...p.logging },
  };
  writeFileSync(path.join(root, 'config/database.yml'), stringify(doc));
  const queries = Object.fromEntries(Object.entries(p.sources).map(([name, s]) => [name, { sql: s.sql }]));
  writeFileSync(path.join(root, 'config/queries.yml'), stringify(queries));
  return loadConfig({ root, env: {} });
}

/** The state file of a source (data/state/<source>.json), or `{ source }` when there is none. */
export function readState(loaded: LoadedConfig, source: string): SourceState {
  const file = path.resolve(loaded.root, loaded.config.extraction.state_dir, `${source}.json`);
  if (!existsSync(file)) return { source };
  return JSON.parse(readFileSync(file, 'utf8')) as SourceState;
}

export interface RunDirectory {
  /** Absolute path of <output>/<source>/extract_date=…/<run_id>. */
  dir: string;
  runId: string;
  /** The manifest, when the run finished (readers ignore directories without one). */
  manifest?: Manifest;
  /** Every entry in the directory, sorted. */
  entries: string[];
}

/** Every run directory of `source` under `outputDir`, finished or not, oldest run id first. */
export function runDirectories(outputDir: string, source: string): RunDirectory[] {
  const base = path.join(outputDir, source);
  if (!existsSync(base)) return [];
  const out: RunDirectory[] = [];
  for (const day of readdirSync(base).sort()) {
    const dayDir = path.join(base, day);
    if (!statSync(dayDir).isDirectory()) continue;
    for (const runId of readdirSync(dayDir).sort()) {
      const dir = path.join(dayDir, runId);
      if (!statSync(dir).isDirectory()) continue;
      const entries = readdirSync(dir).sort();
      const manifestFile = path.join(dir, MANIFEST_NAME);
      const manifest = existsSync(manifestFile)
        ? (JSON.parse(readFileSync(manifestFile, 'utf8')) as Manifest)
        : undefined;
      out.push({ dir, runId, manifest, entries });
    }
  }
  return out.sort((a, b) => a.runId.localeCompare(b.runId));
}

export interface RunContents {
  /** Data rows of every part the manifest lists, in part order (CSV text, header removed). */
  rows: string[][];
  /** Disagreements between the manifest and the files (missing, extra, size, hash, row count, header). */
  problems: string[];
}

/** What a reader gets from a finished run: the rows of the CSV parts its manifest lists, checked against it. */
export function readRun(run: RunDirectory): RunContents {
  const manifest = run.manifest;
  if (!manifest) return { rows: [], problems: [`${run.dir}: no manifest`] };
  const problems: string[] = [];
  const rows: string[][] = [];
  const listed = new Set(manifest.parts.map((p) => p.file));
  for (const entry of run.entries) {
    if (entry !== MANIFEST_NAME && !listed.has(entry))
      problems.push(`${run.dir}: ${entry} is not in the manifest`);
  }
  let total = 0;
  const header = manifest.columns.map((c) => c.name);
  for (const part of manifest.parts) {
    const file = path.join(run.dir, part.file);
    if (!existsSync(file)) {
      problems.push(`${file}: listed in the manifest but missing`);
      continue;
    }
    const bytes = readFileSync(file);
    if (bytes.length !== part.bytes)
      problems.push(`${file}: ${bytes.length} bytes, manifest says ${part.bytes}`);
    const sha = createHash('sha256').update(bytes).digest('hex');
    if (sha !== part.sha256) problems.push(`${file}: sha256 differs from the manifest`);
    const parsed: string[][] = parse(bytes);
    const [head, ...data] = parsed;
    if (head && JSON.stringify(head) !== JSON.stringify(header))
      problems.push(`${file}: header ${JSON.stringify(head)} is not ${JSON.stringify(header)}`);
    if (data.length !== part.rows) problems.push(`${file}: ${data.length} rows, manifest says ${part.rows}`);
    total += data.length;
    rows.push(...data);
  }
  if (total !== manifest.rows)
    problems.push(`${run.dir}: ${total} rows in parts, manifest says ${manifest.rows}`);
  return { rows, problems };
}

/** Temporary files (`*.tmp`, e.g. `.part-00003.csv.<pid>.tmp`) anywhere under `dir`. */
export function tempFilesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const found: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.name.endsWith('.tmp')) found.push(p);
    }
  };
  walk(dir);
  return found.sort();
}
