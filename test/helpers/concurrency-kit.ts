/**
 * The kit of the incremental-extraction-under-concurrency tests (test/integration/concurrency.test.ts,
 * late-commits.test.ts): a table (id, updated_at, payload) and a project with one incremental source
 * on it, an extraction in process, and readers of the delivered rows compared with the table read
 * independently of moh-etl.
 */
import path from 'node:path';
import { expect } from 'vitest';
import type { LoadedConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/observe/logger.js';
import { runExtract } from '../../src/pipeline/extract-step.js';
import type { RunSummary } from '../../src/pipeline/summary.js';
import type { DbConnection } from './databases.js';
import { readRun, runDirectories, tempFilesUnder, writeTableProject } from './project.js';
import { dialectSql, type SqlClient } from './sql.js';

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** CREATE TABLE <name> (id, updated_at, payload) with an index on the keyset order. */
export async function createTable(db: SqlClient, name: string): Promise<void> {
  const d = dialectSql(db.dialect);
  await db.exec(
    `CREATE TABLE ${name} (id BIGINT PRIMARY KEY, updated_at ${d.timestampType} NOT NULL, payload TEXT)`,
  );
  await db.exec(`CREATE INDEX ${name}_cursor ON ${name} (updated_at, id)`);
}

/** A project with one incremental source `name` reading table `name`. */
export function project(
  root: string,
  conn: DbConnection,
  name: string,
  extraction: Record<string, unknown>,
  output: Record<string, unknown> = {},
): LoadedConfig {
  const d = dialectSql(conn.dialect);
  return writeTableProject(root, conn, {
    sources: {
      [name]: {
        sql: `SELECT id, updated_at, payload FROM ${name}`,
        primary_key: ['id'],
        cursor_column: 'updated_at',
        mode: 'incremental',
        ...(d.sourceTimezone ? { timezone: d.sourceTimezone } : {}),
      },
    },
    extraction,
    output,
  });
}

/** The table read independently of moh-etl: id → the CSV fields moh-etl should write. */
export async function tableRows(db: SqlClient, name: string): Promise<Map<string, string[]>> {
  const d = dialectSql(db.dialect);
  const rows = await db.rows<{ id: unknown; ts: unknown; payload: unknown }>(
    `SELECT id, ${d.timestampText('updated_at')} AS ts, payload FROM ${name}`,
  );
  return new Map(rows.map((r) => [String(r.id), [String(r.id), String(r.ts), String(r.payload)]]));
}

/** Rows of every finished run of `source` (directories without a manifest are ignored, as readers do). */
export function deliveredRows(loaded: LoadedConfig, source: string): string[][] {
  const out = path.resolve(loaded.root, loaded.config.output.directory);
  const contents = runDirectories(out, source)
    .filter((r) => r.manifest)
    .map(readRun);
  expect(contents.flatMap((c) => c.problems)).toEqual([]);
  expect(tempFilesUnder(out)).toEqual([]);
  return contents.flatMap((c) => c.rows);
}

/** Latest delivered version per id (by updated_at), and (id, updated_at) pairs delivered more than once. */
export function latestById(rows: string[][]): { latest: Map<string, string[]>; repeated: string[] } {
  const latest = new Map<string, string[]>();
  const pairs = new Set<string>();
  const repeated: string[] = [];
  for (const row of rows) {
    const [id, ts] = row as [string, string];
    if (pairs.has(`${id}@${ts}`)) repeated.push(`${id}@${ts}`);
    pairs.add(`${id}@${ts}`);
    const seen = latest.get(id);
    if (!seen || seen[1]! < ts) latest.set(id, row);
  }
  return { latest, repeated };
}

export function diff(want: Map<string, string[]>, got: Map<string, string[]>): string[] {
  const out: string[] = [];
  for (const [id, row] of want) {
    const g = got.get(id);
    if (!g) out.push(`missing id ${id} ${JSON.stringify(row)}`);
    else if (JSON.stringify(g) !== JSON.stringify(row))
      out.push(`id ${id}: delivered ${JSON.stringify(g)}, table has ${JSON.stringify(row)}`);
  }
  for (const id of got.keys()) if (!want.has(id)) out.push(`unexpected id ${id}`);
  return out.slice(0, 20);
}

export async function extract(loaded: LoadedConfig, source: string, fresh = false): Promise<RunSummary> {
  return runExtract(loaded, { sources: [source], mode: 'incremental', fresh }, silentLogger());
}

export function only(summary: RunSummary) {
  const r = summary.sources[0]!;
  return { status: r.status, rows: r.rows, error: r.error, warnings: r.warnings };
}

export const OLD = Date.parse('2025-04-01T00:00:00.000Z');
export const iso = (ms: number, micros = 0) =>
  new Date(ms).toISOString().replace(/Z$/, `${String(micros).padStart(3, '0')}Z`);
