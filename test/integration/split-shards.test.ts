/**
 * Shards across processes (extract/shard-plan.ts, pipeline/split-shard.ts, pipeline/split-merge.ts):
 * n shard processes started at once plan one run between them; one is killed -9 mid-run, the merge
 * refuses the incomplete run and names the shard to run again; that shard alone is run again and
 * resumes; the merge then publishes exactly the rows of an unsplit run of the same table, in key
 * order, and removes the shards. A shard run again after it finished changes nothing; a part
 * changed after its shard committed it, or a shard asked for with another n, is refused.
 *
 * Each shard is its own process running the built CLI, `moh-etl extract --shard i/n --run-id ID`;
 * the first merge runs `moh-etl shards merge` as a user would, the rest call mergeShards.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import type { LoadedConfig } from '../../src/config/load.js';
import type { SourceState } from '../../src/extract/state.js';
import { mergeShards } from '../../src/pipeline/split-merge.js';
import { BIN, cli } from '../helpers/cli.js';
import { describeEachDialect, tempDir } from '../helpers/databases.js';
import { readRun, runDirectories, tempFilesUnder, writeTableProject } from '../helpers/project.js';
import { dialectSql, insertRows, openClient } from '../helpers/sql.js';

const ROWS = 3_000;
const SHARDS = 3;

interface ShardRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/**
 * Shard `index` of `count` in `root`; killed -9 once its checkpoint lists `killAfterParts` parts.
 */
function shard(
  root: string,
  runId: string,
  index: number,
  count = SHARDS,
  killAfterParts?: number,
): Promise<ShardRun> {
  const args = [
    'extract',
    '--sources',
    'events',
    '--mode',
    'full',
    '--shard',
    `${index}/${count}`,
    '--run-id',
    runId,
  ];
  const stateFile = path.join(root, 'data/state/shards', runId, `shard-${index}-of-${count}`, 'events.json');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: root,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const watch =
      killAfterParts === undefined
        ? undefined
        : setInterval(() => {
            try {
              const state = JSON.parse(readFileSync(stateFile, 'utf8')) as SourceState;
              if ((state.pending?.parts.length ?? 0) >= killAfterParts) child.kill('SIGKILL');
            } catch {
              // not written yet, or being replaced
            }
          }, 2);
    const guard = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearInterval(watch);
      clearTimeout(guard);
      resolve({ code, signal, stderr });
    });
  });
}

describeEachDialect('shards across processes', (target, connection) => {
  let unsplit: string[][];
  beforeAll(async () => {
    const db = await openClient(connection());
    const d = dialectSql(db.dialect);
    try {
      await db.exec(
        `CREATE TABLE events (id BIGINT PRIMARY KEY, updated_at ${d.timestampType} NOT NULL, payload TEXT)`,
      );
      const ts = d.bindTimestamp('2025-03-01T08:00:00.123456Z');
      const rows = Array.from({ length: ROWS }, (_, i) => [
        i * 7 + 3,
        ts,
        `${i} ${['a', 'b, c', 'd "e"', 'ünï 診所'][i % 4]!}`,
      ]);
      await insertRows(db, 'events', ['id', 'updated_at', 'payload'], rows);
    } finally {
      await db.close();
    }
    const reference = await project();
    const r = cli(['extract', '--sources', 'events', '--mode', 'full'], { cwd: reference.root });
    expect(r.code, r.stderr).toBe(0);
    unsplit = published(reference, 1).rows;
    expect(unsplit).toHaveLength(ROWS);
  });

  async function project(): Promise<LoadedConfig> {
    const root = (await tempDir('moh-etl-shards-')).path;
    return writeTableProject(root, connection(), {
      sources: {
        events: {
          sql: 'SELECT id, updated_at, payload FROM events',
          primary_key: ['id'],
          cursor_column: 'updated_at',
          mode: 'full',
          timezone: dialectSql(connection().dialect).sourceTimezone,
        },
      },
      extraction: { batch_size: 97, settle_lag: '0s' },
      output: { part_rows: 200 },
    });
  }

  /** The one finished run under data/raw: its rows (checked against its manifest) and manifest. */
  function published(loaded: LoadedConfig, runs = 1) {
    const dirs = runDirectories(path.join(loaded.root, 'data/raw'), 'events');
    expect(dirs).toHaveLength(runs);
    const content = readRun(dirs[0]!);
    expect(content.problems).toEqual([]);
    return { rows: content.rows, manifest: dirs[0]!.manifest!, dir: dirs[0]!.dir };
  }

  it('n shards at once, one killed -9 and run again alone: the merge publishes the unsplit run', async () => {
    const loaded = await project();
    const runId = `weekly-${target.name}`;
    const runs = await Promise.all(
      [0, 1, 2].map((i) => shard(loaded.root, runId, i, SHARDS, i === 1 ? 2 : undefined)),
    );
    expect(runs[0]!.code, runs[0]!.stderr).toBe(0);
    expect(runs[2]!.code, runs[2]!.stderr).toBe(0);
    expect(runs[1]!.signal, runs[1]!.stderr).toBe('SIGKILL');
    const refused = cli(['shards', 'merge', 'events', '--run', runId], { cwd: loaded.root });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/shard 1\/3 has not finished/);
    expect(refused.stderr).toContain(`--shard 1/3 --run-id ${runId}`);
    // Nothing is published (readers see only extract_date= directories; _shards is skipped).
    expect(readdirSync(path.join(loaded.root, 'data/raw/events'))).toEqual(['_shards']);

    const again = await shard(loaded.root, runId, 1);
    expect(again.code, again.stderr).toBe(0);
    const merged = cli(['shards', 'merge', 'events', '--run', runId, '--json'], { cwd: loaded.root });
    expect(merged.code, merged.stderr).toBe(0);
    expect(JSON.parse(merged.stdout)).toMatchObject({ type: 'merge', shards: SHARDS, rows: ROWS });
    const { rows, manifest } = published(loaded);
    expect(rows).toEqual(unsplit);
    expect(manifest.run_id).toBe(runId);
    expect(manifest.split?.bounds).toHaveLength(SHARDS - 1);
    const ranges = manifest.parts.map((p) => p.range);
    expect(ranges).toEqual([...ranges].sort());
    expect(new Set(ranges)).toEqual(new Set([0, 1, 2]));
    // The shards are gone (their parts live on as the run's files); merging again only reports.
    expect(existsSync(path.join(loaded.root, 'data/raw/events/_shards', runId))).toBe(false);
    expect(tempFilesUnder(path.join(loaded.root, 'data/raw'))).toEqual([]);
    await expect(mergeShards(loaded, 'events', runId)).resolves.toMatchObject({ already: true, rows: ROWS });
  }, 180_000);

  it('a shard rescheduled where its state is not starts its range over, clearing what it left', async () => {
    const loaded = await project();
    const runId = `moved-${target.name}`;
    const killed = await shard(loaded.root, runId, 0, 2, 2);
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    // Another machine: no state directory, and the killed attempt's files in the shard's directory.
    rmSync(path.join(loaded.root, 'data/state/shards', runId), { recursive: true, force: true });
    const shardDir = path.join(loaded.root, 'data/raw/events/_shards', runId, 'shard-0-of-2');
    writeFileSync(path.join(shardDir, 'part-00099.csv'), 'id\n1\n');
    const runs = await Promise.all([0, 1].map((i) => shard(loaded.root, runId, i, 2)));
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    expect(existsSync(path.join(shardDir, 'part-00099.csv'))).toBe(false);
    await mergeShards(loaded, 'events', runId);
    expect(published(loaded).rows).toEqual(unsplit);
  }, 180_000);

  it('after the merge a shard reads nothing; another format, an unsharded run id or ad-hoc flags are refused', async () => {
    const loaded = await project();
    const runId = `after-${target.name}`;
    const at = { cwd: loaded.root };
    const args = (i: number, ...more: string[]) => [
      'extract',
      '--sources',
      'events',
      '--mode',
      'full',
      '--shard',
      `${i}/2`,
      '--run-id',
      runId,
      ...more,
    ];
    expect(cli(args(0, '--format', 'csv'), at).code).toBe(0);
    // Shard 1 asked for other files than the plan's: refused before reading, with the command to type.
    const parquet = cli(args(1, '--format', 'parquet'), at);
    expect(parquet.code).toBe(2);
    expect(parquet.stderr).toMatch(/planned as 2 shards of a full run on "id" to csv/);
    expect(parquet.stderr).toContain(`--mode full --format csv --shard <i>/2 --run-id ${runId}`);
    // The merge names the unfinished shard with the command that finishes it, formats included.
    const early = cli(['shards', 'merge', 'events', '--run', runId], at);
    expect(early.code).toBe(1);
    expect(early.stderr).toContain(
      `moh-etl extract --sources events --mode full --format csv --shard 1/2 --run-id ${runId}`,
    );
    expect(cli(args(1, '--format', 'csv'), at).code).toBe(0);
    expect(cli(['shards', 'merge', 'events', '--run', runId], at).code).toBe(0);

    // An orchestrator retrying a shard of the published run: nothing read, no new plan, exit 0.
    const again = cli(args(0, '--format', 'csv'), at);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/merged and published already \(2 shards/);
    expect(existsSync(path.join(loaded.root, 'data/raw/events/_shards', runId))).toBe(false);
    expect(published(loaded).rows).toEqual(unsplit);

    // The id of an ordinary run is not a sharded run's to publish into.
    const plain = cli(['extract', '--sources', 'events', '--mode', 'full', '--json'], at);
    const plainId = (JSON.parse(plain.stdout) as { sources: { run_id: string }[] }).sources[0]!.run_id;
    const taken = cli(
      ['extract', '--sources', 'events', '--mode', 'full', '--shard', '0/1', '--run-id', plainId],
      at,
    );
    expect(taken.code).toBe(2);
    expect(taken.stderr).toMatch(/already names a run that was not sharded/);
    expect(existsSync(path.join(loaded.root, 'data/raw/events/_shards', plainId))).toBe(false);

    const typo = cli(['shards', 'merge', 'evnts', '--run', runId], at);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/^error: unknown source "evnts" to merge \(did you mean "events"\?\)/m);

    const adhoc = cli([...args(0), '--select', 'id', '--limit', '5'], at);
    expect(adhoc.code).toBe(2);
    expect(adhoc.stderr).toMatch(/^error: --shard and --run-id do not combine with ad-hoc flags/m);
  }, 180_000);

  it('a finished shard run again changes nothing; a changed part or another n is refused', async () => {
    const loaded = await project();
    const runId = `check-${target.name}`;
    const runs = await Promise.all([0, 1].map((i) => shard(loaded.root, runId, i, 2)));
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    const shardDir = path.join(loaded.root, 'data/raw/events/_shards', runId, 'shard-1-of-2');
    const manifest = readFileSync(path.join(shardDir, '_manifest.json'), 'utf8');
    const rerun = await shard(loaded.root, runId, 1, 2);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(readFileSync(path.join(shardDir, '_manifest.json'), 'utf8')).toBe(manifest);

    const other = await shard(loaded.root, runId, 0, 3);
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/was planned as 2 shards/);

    const part = path.join(shardDir, 'part-00000.csv');
    const bytes = readFileSync(part);
    writeFileSync(part, Buffer.from(bytes.toString('latin1').replace(/b, c/, 'b; c'), 'latin1'));
    await expect(mergeShards(loaded, 'events', runId)).rejects.toThrow(
      /shard 1\/2: part-00000\.csv is not the file its shard committed/,
    );
    writeFileSync(part, bytes);
    await expect(mergeShards(loaded, 'events', runId)).resolves.toMatchObject({ shards: 2, rows: ROWS });
    expect(published(loaded).rows).toEqual(unsplit);
  }, 180_000);
});
