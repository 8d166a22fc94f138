/**
 * The table every fault runs against, the project that extracts it, and the invariant every fault
 * must leave behind: the union of the rows of run directories that have a manifest equals the table
 * (each id once, values as stored), nothing is pending and no temporary file is left.
 *
 *   await createEvents(db, 20_000);
 *   const project = eventsProject(root, connection(), { retry: { attempts: 5 } });
 *   … runs …
 *   expectExactlyOnce(project, await eventsTable(db), 'terminate backend');
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import type { LoadedConfig } from '../../../src/config/load.js';
import type { DbConnection } from '../databases.js';
import { readRun, readState, runDirectories, tempFilesUnder, writeTableProject } from '../project.js';
import { dialectSql, insertRows, type SqlClient } from '../sql.js';

const BASE = Date.parse('2025-03-01T08:00:00.000Z');
/** Distinct updated_at values: ties straddle every batch and part boundary. */
const DISTINCT_TIMES = 40;

/** Payloads with the CSV-hostile characters a reader must get back as stored. */
function payload(id: number): string {
  const specials = ['plain', 'with, comma', 'with "quotes"', ' leading space', 'two\nlines', 'ünïcödé 診所'];
  return `event ${id} ${specials[id % specials.length]!}`;
}

/** `CREATE TABLE events (id, updated_at, payload)` with an index on the cursor, and `rows` rows. */
export async function createEvents(db: SqlClient, rows: number): Promise<void> {
  const d = dialectSql(db.dialect);
  await db.exec(
    `CREATE TABLE events (id BIGINT PRIMARY KEY, updated_at ${d.timestampType} NOT NULL, payload TEXT)`,
  );
  await db.exec('CREATE INDEX events_cursor ON events (updated_at, id)');
  const values = Array.from({ length: rows }, (_, i) => {
    const id = i + 1;
    const k = (id * 7919) % DISTINCT_TIMES;
    const iso = new Date(BASE + k * 60_000).toISOString().replace(/Z$/, `${String(100 + k)}Z`);
    return [id, d.bindTimestamp(iso), payload(id)];
  });
  await insertRows(db, 'events', ['id', 'updated_at', 'payload'], values, 1000);
}

/** The table as a reader should get it, read without moh-etl: id → CSV fields. */
export async function eventsTable(db: SqlClient): Promise<Map<string, string[]>> {
  const d = dialectSql(db.dialect);
  const rows = await db.rows<{ id: unknown; ts: unknown; payload: unknown }>(
    `SELECT id, ${d.timestampText('updated_at')} AS ts, payload FROM events`,
  );
  return new Map(rows.map((r) => [String(r.id), [String(r.id), String(r.ts), String(r.payload)]]));
}

export interface EventsProject {
  loaded: LoadedConfig;
  root: string;
  outputDir: string;
  stateDir: string;
  stateFile: string;
  lockFile: string;
}

export interface EventsOptions {
  /** Rows per batch (default 250). */
  batchSize?: number;
  /** Rows per part (default 1,000): about twenty checkpoints for 20,000 rows. */
  partRows?: number;
  /** extraction.retry (default: 3 attempts, 50–200 ms apart). */
  retry?: { attempts?: number; min_delay?: string; max_delay?: string };
  /** The source's SQL (default: every column of `events`). */
  sql?: string;
}

/** A project in `root` extracting `events` incrementally from `conn` to CSV parts. */
export function eventsProject(root: string, conn: DbConnection, options: EventsOptions = {}): EventsProject {
  const d = dialectSql(conn.dialect);
  const loaded = writeTableProject(root, conn, {
    sources: {
      events: {
        sql: options.sql ?? 'SELECT id, updated_at, payload FROM events',
        primary_key: ['id'],
        cursor_column: 'updated_at',
        mode: 'incremental',
        ...(d.sourceTimezone ? { timezone: d.sourceTimezone } : {}),
      },
    },
    extraction: {
      batch_size: options.batchSize ?? 250,
      settle_lag: '0s',
      retry: { attempts: 3, min_delay: '50ms', max_delay: '200ms', ...options.retry },
    },
    output: { part_rows: options.partRows ?? 1000 },
  });
  const stateDir = path.resolve(root, loaded.config.extraction.state_dir);
  return {
    loaded,
    root,
    outputDir: path.resolve(root, loaded.config.output.directory),
    stateDir,
    stateFile: path.join(stateDir, 'events.json'),
    lockFile: path.join(stateDir, 'events.lock'),
  };
}

/** `extract --sources events --mode incremental`: the command every fault interrupts and reruns. */
export const EXTRACT_ARGS = ['extract', '--sources', 'events', '--mode', 'incremental'];

/** Temporary files of the state store (`.events.json.<pid>-<hex>.tmp`). */
export function stateTempFiles(project: EventsProject): string[] {
  if (!existsSync(project.stateDir)) return [];
  return readdirSync(project.stateDir).filter((f) => f.endsWith('.tmp'));
}

/**
 * The invariant after the final, successful run: nothing pending, the lock gone, no temp file,
 * every finished run directory whole (sizes, sha256, row counts) and their rows exactly the table.
 * Returns how many run directories were ignored for lack of a manifest.
 */
export function expectExactlyOnce(
  project: EventsProject,
  want: Map<string, string[]>,
  context: string,
): { runs: number; unfinished: number } {
  const state = readState(project.loaded, 'events');
  expect(state.pending, `${context}: a run is still pending`).toBeUndefined();
  expect(state.last_run?.status, `${context}: last run`).toBe('succeeded');
  expect(existsSync(project.lockFile), `${context}: lock file left`).toBe(false);
  expect(tempFilesUnder(project.outputDir), `${context}: temp files in the output`).toEqual([]);
  expect(stateTempFiles(project), `${context}: temp files in the state directory`).toEqual([]);

  const runs = runDirectories(project.outputDir, 'events');
  const finished = runs.filter((r) => r.manifest);
  const contents = finished.map(readRun);
  expect(
    contents.flatMap((c) => c.problems),
    `${context}: finished runs disagree with their manifests`,
  ).toEqual([]);
  const seen = new Map<string, number>();
  const got = new Map<string, string[]>();
  for (const row of contents.flatMap((c) => c.rows)) {
    const id = row[0]!;
    seen.set(id, (seen.get(id) ?? 0) + 1);
    got.set(id, row);
  }
  const twice = [...seen].filter(([, n]) => n > 1).map(([id, n]) => `id ${id} ×${n}`);
  expect(twice.slice(0, 20), `${context}: rows delivered more than once (${twice.length})`).toEqual([]);
  expect(differences(want, got), `${context}: delivered rows differ from the table`).toEqual([]);
  return { runs: finished.length, unfinished: runs.length - finished.length };
}

function differences(want: Map<string, string[]>, got: Map<string, string[]>): string[] {
  const out: string[] = [];
  for (const [id, row] of want) {
    const g = got.get(id);
    // The values are synthetic test data (no patient's), so a difference may show them.
    if (!g) out.push(`missing id ${id}`);
    else if (JSON.stringify(g) !== JSON.stringify(row))
      out.push(`id ${id}: got ${JSON.stringify(g)}, want ${JSON.stringify(row)}`);
  }
  for (const id of got.keys()) if (!want.has(id)) out.push(`unexpected id ${id}`);
  return out.slice(0, 20);
}
