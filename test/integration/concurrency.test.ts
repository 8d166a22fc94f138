/**
 * Incremental extraction against a source that does not stand still, on every dialect here:
 * - ties: thousands of rows sharing one updated_at, read in batches that split them anywhere;
 * - concurrent writers inserting and updating while a run reads: every version either delivered or
 *   superseded by a later delivered one, nothing delivered twice, no run failing;
 * - late commits (PostgreSQL, MariaDB): a transaction that stamps updated_at and commits later is
 *   caught thanks to the settle lag, and — the control — missed without it.
 */
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { LoadedConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/observe/logger.js';
import { runExtract } from '../../src/pipeline/extract-step.js';
import type { RunSummary } from '../../src/pipeline/summary.js';
import {
  describeEachDialect,
  dialects,
  tempDir,
  type DbConnection,
  type TempDir,
} from '../helpers/databases.js';
import { readRun, readState, runDirectories, tempFilesUnder, writeTableProject } from '../helpers/project.js';
import { dialectSql, insertRows, openClient, type SqlClient } from '../helpers/sql.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** CREATE TABLE <name> (id, updated_at, payload) with an index on the keyset order. */
async function createTable(db: SqlClient, name: string): Promise<void> {
  const d = dialectSql(db.dialect);
  await db.exec(
    `CREATE TABLE ${name} (id BIGINT PRIMARY KEY, updated_at ${d.timestampType} NOT NULL, payload TEXT)`,
  );
  await db.exec(`CREATE INDEX ${name}_cursor ON ${name} (updated_at, id)`);
}

/** A project with one incremental source `name` reading table `name`. */
function project(
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
async function tableRows(db: SqlClient, name: string): Promise<Map<string, string[]>> {
  const d = dialectSql(db.dialect);
  const rows = await db.rows<{ id: unknown; ts: unknown; payload: unknown }>(
    `SELECT id, ${d.timestampText('updated_at')} AS ts, payload FROM ${name}`,
  );
  return new Map(rows.map((r) => [String(r.id), [String(r.id), String(r.ts), String(r.payload)]]));
}

/** Rows of every finished run of `source` (directories without a manifest are ignored, as readers do). */
function deliveredRows(loaded: LoadedConfig, source: string): string[][] {
  const out = path.resolve(loaded.root, loaded.config.output.directory);
  const contents = runDirectories(out, source)
    .filter((r) => r.manifest)
    .map(readRun);
  expect(contents.flatMap((c) => c.problems)).toEqual([]);
  expect(tempFilesUnder(out)).toEqual([]);
  return contents.flatMap((c) => c.rows);
}

/** Latest delivered version per id (by updated_at), and (id, updated_at) pairs delivered more than once. */
function latestById(rows: string[][]): { latest: Map<string, string[]>; repeated: string[] } {
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

function diff(want: Map<string, string[]>, got: Map<string, string[]>): string[] {
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

async function extract(loaded: LoadedConfig, source: string, fresh = false): Promise<RunSummary> {
  return runExtract(loaded, { sources: [source], mode: 'incremental', fresh }, silentLogger());
}

function only(summary: RunSummary) {
  const r = summary.sources[0]!;
  return { status: r.status, rows: r.rows, error: r.error, warnings: r.warnings };
}

const OLD = Date.parse('2025-04-01T00:00:00.000Z');
const iso = (ms: number, micros = 0) =>
  new Date(ms).toISOString().replace(/Z$/, `${String(micros).padStart(3, '0')}Z`);

describeEachDialect('incremental extraction under concurrency', (target, connection) => {
  let dir: TempDir;
  let db: SqlClient;
  const log = (line: string) => console.log(`[concurrency ${target.name}] ${line}`);

  beforeAll(async () => {
    dir = await tempDir('moh-etl-concurrency-');
    db = await openClient(connection());
  });
  afterAll(async () => {
    await db?.close();
    await dir?.remove();
  });

  it('10,000 rows sharing one updated_at, split by every batch: each delivered exactly once', async () => {
    const d = dialectSql(db.dialect);
    await createTable(db, 'ties');
    const T = d.bindTimestamp(iso(OLD, 7));
    // Inserted out of key order, so storage order is not the keyset order.
    const ids = Array.from({ length: 10_000 }, (_, i) => ((i * 7_919) % 10_000) + 1);
    await insertRows(
      db,
      'ties',
      ['id', 'updated_at', 'payload'],
      ids.map((id) => [id, T, `tie ${id}`]),
    );
    const loaded = project(
      path.join(dir.path, 'ties'),
      connection(),
      'ties',
      {
        batch_size: 97,
        settle_lag: '0s',
      },
      { part_rows: 1000 },
    );

    const first = await extract(loaded, 'ties');
    expect(only(first)).toMatchObject({ status: 'succeeded', rows: 10_000 });
    // Ten more with the SAME updated_at and larger ids: after the watermark (T, 10000) in keyset order.
    await insertRows(
      db,
      'ties',
      ['id', 'updated_at', 'payload'],
      Array.from({ length: 10 }, (_, i) => [10_001 + i, T, `tie ${10_001 + i}`]),
    );
    const second = await extract(loaded, 'ties');
    expect(only(second)).toMatchObject({ status: 'succeeded', rows: 10 });
    const third = await extract(loaded, 'ties');
    expect(only(third)).toMatchObject({ status: 'succeeded', rows: 0 });
    expect(readState(loaded, 'ties').watermark?.values.map(String).slice(1)).toEqual(['10010']);

    const rows = deliveredRows(loaded, 'ties');
    const ids2 = rows.map((r) => r[0]!);
    expect(ids2.length).toBe(10_010);
    expect(new Set(ids2).size).toBe(10_010);
    expect(diff(await tableRows(db, 'ties'), latestById(rows).latest)).toEqual([]);
  });

  it('writers inserting and updating during a run: the latest version of every row, none twice', async () => {
    const d = dialectSql(db.dialect);
    await createTable(db, 'busy');
    const INITIAL = 4_000;
    await insertRows(
      db,
      'busy',
      ['id', 'updated_at', 'payload'],
      Array.from({ length: INITIAL }, (_, i) => [
        i + 1,
        d.bindTimestamp(iso(OLD + (i % 40) * 1000, 1)),
        `v0 ${i + 1}`,
      ]),
    );
    const loaded = project(
      path.join(dir.path, 'busy'),
      connection(),
      'busy',
      {
        batch_size: 20,
        settle_lag: '1s',
      },
      { part_rows: 200 },
    );

    // A second connection writes with the database's clock until told to stop.
    const writer = await openClient(connection());
    let stop = false;
    const counts = { inserts: 0, updates: 0 };
    let nextId = INITIAL + 1;
    let version = 0;
    const writing = (async () => {
      while (!stop) {
        version++;
        if (version % 3 === 0) {
          await writer.exec(`INSERT INTO busy (id, updated_at, payload) VALUES (?, ${d.now}, ?)`, [
            nextId,
            `new v${version}`,
          ]);
          nextId++;
          counts.inserts++;
        } else {
          // Old rows and rows written during this very run alike.
          const id = 1 + ((version * 7_907) % (nextId - 1));
          await writer.exec(`UPDATE busy SET updated_at = ${d.now}, payload = ? WHERE id = ?`, [
            `v${version}`,
            id,
          ]);
          counts.updates++;
        }
        await sleep(2);
      }
    })();

    let first: RunSummary;
    try {
      await sleep(50);
      first = await extract(loaded, 'busy');
    } finally {
      stop = true;
      await writing;
      await writer.close();
    }
    log(
      `run 1 during ${counts.inserts} inserts and ${counts.updates} updates: ${JSON.stringify(only(first))}`,
    );
    expect(only(first).status, only(first).error).toBe('succeeded');
    expect(counts.inserts + counts.updates).toBeGreaterThan(20);

    await sleep(1_500); // past the settle lag: every write is now older than the next run's bound
    const second = await extract(loaded, 'busy');
    log(`run 2 after the writers stopped: ${JSON.stringify(only(second))}`);
    expect(only(second).status, only(second).error).toBe('succeeded');

    const { latest, repeated } = latestById(deliveredRows(loaded, 'busy'));
    expect(repeated, '(id, updated_at) delivered twice').toEqual([]);
    expect(diff(await tableRows(db, 'busy'), latest)).toEqual([]);
  });
});

describeEachDialect(
  'late commits and the settle lag',
  (target, connection) => {
    let dir: TempDir;
    let db: SqlClient;
    let late: SqlClient;
    const log = (line: string) => console.log(`[concurrency ${target.name}] ${line}`);

    beforeAll(async () => {
      dir = await tempDir('moh-etl-late-');
      db = await openClient(connection());
      late = await openClient(connection());
    });
    afterAll(async () => {
      await late?.close();
      await db?.close();
      await dir?.remove();
    });

    /** 100 old rows, extracted once so the watermark sits on them. */
    /** The settle lag alone: no lookback window (the default one is tested on its own below). */
    async function seeded(
      name: string,
      settleLag: string,
      output: Record<string, unknown> = {},
      lookback = '0s',
    ) {
      const d = dialectSql(db.dialect);
      await createTable(db, name);
      await insertRows(
        db,
        name,
        ['id', 'updated_at', 'payload'],
        Array.from({ length: 100 }, (_, i) => [
          i + 1,
          d.bindTimestamp(iso(OLD + i * 1000, 5)),
          `old ${i + 1}`,
        ]),
      );
      const loaded = project(
        path.join(dir.path, name),
        connection(),
        name,
        { batch_size: 20, settle_lag: settleLag, lookback },
        output,
      );
      expect(only(await extract(loaded, name))).toMatchObject({ status: 'succeeded', rows: 100 });
      return { d, loaded };
    }

    /** Seconds between the database's clock and a row's updated_at. */
    async function ageOf(name: string, id: number): Promise<number> {
      const d = dialectSql(db.dialect);
      const [r] = await db.rows<{ now: string; ts: string }>(
        `SELECT ${d.timestampText(d.now)} AS now, ${d.timestampText('updated_at')} AS ts FROM ${name} WHERE id = ?`,
        [id],
      );
      const z = (s: string) => Date.parse(s.endsWith('Z') ? s : `${s}Z`);
      return (z(r!.now) - z(r!.ts)) / 1000;
    }

    it('a row committed after a run, stamped within the settle lag, is delivered by the next run', async () => {
      const { d, loaded } = await seeded('lagged', '3s');
      // The late transaction stamps its row now (PostgreSQL: now() is the transaction's start) ...
      await late.exec(d.begin);
      await late.exec(
        `INSERT INTO lagged (id, updated_at, payload) VALUES (?, ${db.dialect === 'postgres' ? 'now()' : d.now}, ?)`,
        [1000, 'late'],
      );
      await sleep(20);
      // ... while others commit rows stamped after it.
      await db.exec(`INSERT INTO lagged (id, updated_at, payload) VALUES (?, ${d.now}, ?)`, [1001, 'after']);

      const during = await extract(loaded, 'lagged');
      expect(only(during)).toMatchObject({ status: 'succeeded', rows: 0 });
      await late.exec('COMMIT');

      while ((await ageOf('lagged', 1000)) <= 3.2 || (await ageOf('lagged', 1001)) <= 3.2) await sleep(200);
      const after = await extract(loaded, 'lagged');
      expect(only(after)).toMatchObject({ status: 'succeeded', rows: 2 });

      const rows = deliveredRows(loaded, 'lagged');
      expect(rows.filter((r) => r[0] === '1000')).toHaveLength(1);
      expect(rows.filter((r) => r[0] === '1001')).toHaveLength(1);
      expect(rows).toHaveLength(102);
      expect(diff(await tableRows(db, 'lagged'), latestById(rows).latest)).toEqual([]);
    });

    it('control, no settle lag: a row committed after the run that passed its timestamp is missed silently', async () => {
      const { d, loaded } = await seeded('unlagged', '0s');
      await late.exec(d.begin);
      await late.exec(
        `INSERT INTO unlagged (id, updated_at, payload) VALUES (?, ${db.dialect === 'postgres' ? 'now()' : d.now}, ?)`,
        [1000, 'late'],
      );
      await sleep(20);
      // Rows committed now, stamped after the late one.
      for (const id of [1001, 1002, 1003])
        await db.exec(`INSERT INTO unlagged (id, updated_at, payload) VALUES (?, ${d.now}, ?)`, [
          id,
          'after',
        ]);

      const during = await extract(loaded, 'unlagged');
      expect(only(during)).toMatchObject({ status: 'succeeded', rows: 3 });
      await late.exec('COMMIT');
      const next = await extract(loaded, 'unlagged');
      // What we observe: the next increment succeeds with nothing. Its reconciliation counts only
      // from its own start (the watermark, already past the late row), so it cannot see the loss.
      expect(only(next)).toMatchObject({ status: 'succeeded', rows: 0 });

      const rows = deliveredRows(loaded, 'unlagged');
      const table = await tableRows(db, 'unlagged');
      expect(table.has('1000')).toBe(true);
      // Only the data shows it: the table holds a row no file ever had.
      expect(diff(table, latestById(rows).latest)).toEqual([
        `missing id 1000 ${JSON.stringify(table.get('1000'))}`,
      ]);
      log(
        'lag 0s, late row committed after the run: missed; both runs succeeded; only a data comparison shows it',
      );
    });

    it('no settle lag but the default lookback (1h): the row committed late is delivered by the next run', async () => {
      const { d, loaded } = await seeded('lookedback', '0s', {}, '1h');
      await late.exec(d.begin);
      await late.exec(
        `INSERT INTO lookedback (id, updated_at, payload) VALUES (?, ${db.dialect === 'postgres' ? 'now()' : d.now}, ?)`,
        [1000, 'late'],
      );
      await sleep(20);
      for (const id of [1001, 1002, 1003])
        await db.exec(`INSERT INTO lookedback (id, updated_at, payload) VALUES (?, ${d.now}, ?)`, [
          id,
          'after',
        ]);
      const during = await extract(loaded, 'lookedback');
      expect(only(during)).toMatchObject({ status: 'succeeded', rows: 3 });
      await late.exec('COMMIT');
      const next = await extract(loaded, 'lookedback');
      // The window behind the watermark is read again: the late row is new there, the rest known.
      expect(only(next)).toMatchObject({ status: 'succeeded', rows: 1 });
      expect(next.sources[0]!.lookback).toMatchObject({ delivered: 1 });
      const rows = deliveredRows(loaded, 'lookedback');
      const table = await tableRows(db, 'lookedback');
      expect(diff(table, latestById(rows).latest)).toEqual([]);
      expect(latestById(rows).repeated).toEqual([]);
    });

    it('control, no settle lag: a row committed behind a running extraction fails its reconciliation', async () => {
      const { d, loaded } = await seeded('racing', '0s', { part_rows: 100 });
      await late.exec(d.begin);
      await late.exec(
        `INSERT INTO racing (id, updated_at, payload) VALUES (?, ${db.dialect === 'postgres' ? 'now()' : d.now}, ?)`,
        [1000, 'late'],
      );
      await sleep(20);
      // 3,000 committed rows stamped after the late one: the run reads well past its timestamp.
      for (let i = 0; i < 3; i++) {
        const values = Array.from({ length: 1000 }, (_, k) => `(${2000 + i * 1000 + k}, ${d.now}, 'after')`);
        await db.exec(`INSERT INTO racing (id, updated_at, payload) VALUES ${values.join(', ')}`);
      }

      // Commit the late row once the run has checkpointed its first part (its position is past the row).
      let committed = false;
      const commitLate = (async () => {
        for (let i = 0; i < 5_000 && !committed; i++) {
          if ((readState(loaded, 'racing').pending?.rows ?? 0) > 0) {
            await late.exec('COMMIT');
            committed = true;
          } else await sleep(2);
        }
      })();
      const racing = await extract(loaded, 'racing');
      await commitLate;
      if (!committed) await late.exec('COMMIT');
      expect(committed, 'the run ended before its first checkpoint was seen').toBe(true);
      log(`lag 0s, late row committed mid-run: ${JSON.stringify(only(racing))}`);
      // What we observe: the COUNT at the end sees one row more than was written: the run fails,
      // and no manifest is written, so a reader sees none of its rows.
      expect(only(racing).status).toBe('failed');
      expect(only(racing).error).toMatch(/3000 rows written but the source holds 3001/);
      expect(readState(loaded, 'racing').pending).toBeDefined();

      // Resuming cannot help (its position is past the row); --fresh re-reads from the watermark.
      expect(only(await extract(loaded, 'racing')).status).toBe('failed');
      const fresh = await extract(loaded, 'racing', true);
      expect(only(fresh)).toMatchObject({ status: 'succeeded', rows: 3001 });
      const rows = deliveredRows(loaded, 'racing');
      expect(latestById(rows).repeated).toEqual([]);
      expect(diff(await tableRows(db, 'racing'), latestById(rows).latest)).toEqual([]);
    });
  },
  dialects.filter((t) => t.name !== 'sqlite'),
);
