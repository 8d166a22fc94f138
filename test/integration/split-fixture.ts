/**
 * What the key-range split suites share (split.test.ts, split-faults.test.ts): the tables, a project
 * per test with `extraction.split` as asked, one extraction through the library with a dialect that
 * can count, delay or fail statements, the finished run read back against its manifest, and the
 * same table extracted unsplit (ranges 1) to compare with.
 */
import path from 'node:path';
import { expect } from 'vitest';
import type { LoadedConfig } from '../../src/config/load.js';
import type { OutputConfig } from '../../src/config/schema.js';
import { openConnection, type SourceConnection } from '../../src/db/connection.js';
import type { DateRange } from '../../src/extract/date-range.js';
import { StateStore } from '../../src/extract/state.js';
import { silentLogger } from '../../src/observe/logger.js';
import type { PartCompanion } from '../../src/pipeline/copy-rows.js';
import { extractSource, type SourceOutcome } from '../../src/pipeline/extract-source.js';
import type { StageRequest } from '../../src/pipeline/stage.js';
import type { RowBatch } from '../../src/schema/column-types.js';
import type { Manifest } from '../../src/write/layout.js';
import { csvWriter } from '../../src/write/csv.js';
import { tempDir, type DbConnection } from '../helpers/databases.js';
import { writeProject } from '../helpers/mini-project.js';
import { readRun, runDirectories } from '../helpers/project.js';
import { insertRows, openClient } from '../helpers/sql.js';

export const N = 2400;
export const SPLIT = { ranges: 4, min_rows: 0 };

export const TS: Record<DbConnection['dialect'], string> = {
  postgres: 'TIMESTAMPTZ(6)',
  mysql: 'DATETIME(6)',
  sqlite: 'TIMESTAMPTZ',
};
export const at = (d: DbConnection['dialect'], iso: string) =>
  d === 'sqlite' ? iso : iso.replace('T', ' ').replace('Z', d === 'postgres' ? '+00' : '');
export const day = (i: number) =>
  new Date(Date.UTC(2025, 0, 1) + (i % 50) * 86_400_000).toISOString().slice(0, 10);
export const text = (i: number) => ['plain', 'with, comma', 'a "quote"', 'ünïcödé 診所', ' edge '][i % 5]!;

export const QUERIES = {
  events: 'SELECT id, visit_date, updated_at, amount, payload FROM events',
  skewed: 'SELECT id, payload FROM skewed',
  visits: 'SELECT visit_date, seq, payload FROM visits',
  codes: 'SELECT code, payload FROM codes',
  busy: 'SELECT id, updated_at FROM busy',
};
export const SOURCES = {
  events: { primary_key: ['id'], cursor_column: 'updated_at', date_column: 'visit_date', mode: 'full' },
  skewed: { primary_key: ['id'], mode: 'full' },
  visits: { primary_key: ['visit_date', 'seq'], date_column: 'visit_date', mode: 'full' },
  codes: { primary_key: ['code'], mode: 'full' },
  busy: { primary_key: ['id'], cursor_column: 'updated_at', mode: 'full' },
};

export interface RunOptions {
  split?: Record<string, unknown>;
  pool?: number;
  range?: DateRange;
  signal?: AbortSignal;
  onProgress?: (rows: number) => void;
  onBatch?: (batch: RowBatch) => void;
  stage?: boolean;
  /** Counts the statements that look for the ends of the key (boundaries planned). */
  endpoints?: { n: number };
  /** Fails the statement this function returns true for (before it is sent). */
  failIf?: (sql: string) => boolean;
  /** Runs before each statement is sent. */
  beforeStatement?: (sql: string) => Promise<void>;
  partRows?: number;
}

/** The tables every split suite reads (a fresh database per dialect). */
export async function createTables(connection: () => DbConnection): Promise<void> {
  const d = connection().dialect;
  const db = await openClient(connection());
  try {
    await db.exec(
      `CREATE TABLE events (id BIGINT PRIMARY KEY, visit_date DATE NOT NULL, updated_at ${TS[d]} NOT NULL, amount DECIMAL(12,2), payload TEXT)`,
    );
    const ts = at(d, '2025-01-01T00:00:00.000000Z');
    // Ids 1, 4, 7 …: an even spread with gaps, so boundaries fall between keys too.
    const events = Array.from({ length: N }, (_, i) => [i * 3 + 1, day(i), ts, `${i}.${i % 100}`, text(i)]);
    await insertRows(db, 'events', ['id', 'visit_date', 'updated_at', 'amount', 'payload'], events);
    await db.exec('CREATE TABLE skewed (id BIGINT PRIMARY KEY, payload TEXT)');
    // 95% of the keys in the first millionth of the key space, the rest spread up to 10^12.
    const skewed = Array.from({ length: N }, (_, i) => [
      i < N * 0.95 ? i - 10 : 1_000_000_000_000 - i * 7919,
      text(i),
    ]);
    await insertRows(db, 'skewed', ['id', 'payload'], skewed);
    await db.exec(
      'CREATE TABLE visits (visit_date DATE NOT NULL, seq INT NOT NULL, payload TEXT, PRIMARY KEY (visit_date, seq))',
    );
    const visits = Array.from({ length: N }, (_, i) => [day(i), i, text(i)]);
    await insertRows(db, 'visits', ['visit_date', 'seq', 'payload'], visits);
    await db.exec('CREATE TABLE codes (code VARCHAR(20) PRIMARY KEY, payload TEXT)');
    await insertRows(
      db,
      'codes',
      ['code', 'payload'],
      Array.from({ length: 300 }, (_, i) => [`c${i}`, text(i)]),
    );
  } finally {
    await db.close();
  }
}

/** The helpers of one dialect's suite; `baseline` caches the unsplit runs. */
export function splitFixture(connection: () => DbConnection) {
  async function project(options: RunOptions): Promise<LoadedConfig> {
    const root = (await tempDir('moh-etl-split-')).path;
    const conn = connection();
    // The connection's pool (no such setting for SQLite): each range holds one connection.
    const pooled = options.pool ? ({ ...conn, pool: { max: options.pool } } as DbConnection) : conn;
    return writeProject(root, pooled, {
      sources: SOURCES,
      queries: QUERIES,
      extraction: { batch_size: 97, settle_lag: '0s', split: options.split ?? { ranges: 1 } },
      output: { part_rows: options.partRows ?? 200 },
    });
  }

  async function extract(
    loaded: LoadedConfig,
    name: string,
    options: RunOptions = {},
  ): Promise<SourceOutcome> {
    const real = openConnection('src', loaded.config.connections.src!, loaded.root);
    const dialect = Object.create(real.dialect) as typeof real.dialect;
    dialect.query = async (knex, sql, bindings, opts) => {
      if (options.endpoints && / DESC( LIMIT 1)?$/.test(sql)) options.endpoints.n++;
      if (options.failIf?.(sql))
        throw Object.assign(new Error('connection reset (test)'), { code: 'ECONNRESET' });
      await options.beforeStatement?.(sql);
      return real.dialect.query(knex, sql, bindings, opts);
    };
    const conn: SourceConnection = { ...real, dialect };
    const store = new StateStore(path.join(loaded.root, 'data/state'));
    try {
      return await extractSource(
        loaded,
        conn,
        store,
        {
          name,
          mode: 'full',
          range: options.range,
          runId: `r${Date.now()}`,
          started: new Date(),
          signal: options.signal,
          onProgress: options.onProgress,
          onBatch: options.onBatch,
          stage: options.stage ? csvStage(path.join(loaded.root, 'staged'), loaded.config.output) : undefined,
        },
        silentLogger(),
      );
    } finally {
      await real.close();
    }
  }

  /** The rows of the source's finished run, in manifest order, with its manifest. */
  function output(loaded: LoadedConfig, name: string): { rows: string[][]; manifest: Manifest } {
    const runs = runDirectories(path.join(loaded.root, 'data/raw'), name).filter((r) => r.manifest);
    expect(runs).toHaveLength(1);
    const content = readRun(runs[0]!);
    expect(content.problems).toEqual([]);
    return { rows: content.rows, manifest: runs[0]!.manifest! };
  }

  const unsplit = new Map<string, string[][]>();
  async function baseline(name: string, range?: DateRange): Promise<string[][]> {
    const key = `${name} ${JSON.stringify(range)}`;
    if (!unsplit.has(key)) {
      const loaded = await project({});
      await extract(loaded, name, { range });
      const { rows, manifest } = output(loaded, name);
      expect(manifest.split).toBeUndefined();
      expect(manifest.parts.every((p) => p.range === undefined)).toBe(true);
      unsplit.set(key, rows);
    }
    return unsplit.get(key)!;
  }

  return { project, extract, output, baseline };
}

/** A stage request whose companion writes each part's batches to a CSV file beside it. */
function csvStage(root: string, output: OutputConfig): StageRequest {
  return {
    root,
    fingerprint: 'test',
    companion(directory, index): Promise<PartCompanion> {
      let writer: Awaited<ReturnType<typeof csvWriter.open>> | undefined;
      const file = path.join(directory, `staged-${String(index).padStart(5, '0')}.csv`);
      return Promise.resolve({
        write: async (batch) => {
          writer ??= await csvWriter.open(file, batch.columns, output);
          await writer.write(batch);
        },
        commit: async () => {
          const part = await writer!.commit();
          return { file: path.basename(part.path), rows: part.rows, bytes: part.bytes, sha256: part.sha256 };
        },
        abort: async () => writer?.abort(),
      });
    },
  };
}
