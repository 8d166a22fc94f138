/**
 * Incremental extraction against late commits (PostgreSQL, MariaDB): a transaction that stamps
 * updated_at and commits later is caught thanks to the settle lag, and — the control — missed
 * without it (silently after the run, by a failed reconciliation during it); the default lookback
 * window catches it too. Ties and concurrent writers are test/integration/concurrency.test.ts.
 */
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  createTable,
  deliveredRows,
  diff,
  extract,
  iso,
  latestById,
  OLD,
  only,
  project,
  sleep,
  tableRows,
} from '../helpers/concurrency-kit.js';
import { describeEachDialect, dialects, tempDir, type TempDir } from '../helpers/databases.js';
import { readState } from '../helpers/project.js';
import { dialectSql, insertRows, openClient, type SqlClient } from '../helpers/sql.js';

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
