/**
 * Incremental extraction against a source that does not stand still, on every dialect here:
 * - ties: thousands of rows sharing one updated_at, read in batches that split them anywhere;
 * - concurrent writers inserting and updating while a run reads: every version either delivered or
 *   superseded by a later delivered one, nothing delivered twice, no run failing.
 * Late commits and the settle lag are test/integration/late-commits.test.ts.
 */
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunSummary } from '../../src/pipeline/summary.js';
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
import { describeEachDialect, tempDir, type TempDir } from '../helpers/databases.js';
import { readState } from '../helpers/project.js';
import { dialectSql, insertRows, openClient, type SqlClient } from '../helpers/sql.js';

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
