/**
 * A kill -9 at random points of transform and load leaves either the old or the new version of
 * each processed dataset current, never a mix, and the next run completes.
 *
 * The built CLI (`moh-etl run --json`) runs in a project with the shipped transform and load
 * sections on a demo database. After a first run and a clean incremental day, each round
 * advances the demo to its next open day, starts an incremental `run`, and kills it -9 at a seeded
 * random moment aimed at one source's staging (the transform, in the extraction pass), a staged part
 * just committed, its load, or the load's `.work-` directory (test/helpers/pipeline/kill-plan.ts).
 * Then, per source:
 * - `data/processed/<source>` resolves to a complete version: its `_version.json`, every file it
 *   lists with its sha256, and no Parquet file it does not list;
 * - the rows DuckDB reads through it are exactly the dataset before the kill or exactly the dataset
 *   after a clean rerun (which must exit 0) — compared as digests of every row, never a mix;
 * - after the rerun the dataset equals the source as a full extraction reads it (every column the
 *   transform leaves alone; hard deletes stay until a refresh, as in pipeline-days.test.ts), and no
 *   temporary file, `.work-`/`.trash-` directory, temporary link, lock or staged run is left.
 *
 * SQLite takes 8 kills, PostgreSQL 4 (MariaDB is left out to keep the suite's time modest: its
 * extraction path is covered by pipeline-days.test.ts and the load is the same DuckDB code).
 * Rerun a plan with MOH_PIPELINE_KILL_SEED=<seed>.
 */
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  dialects,
  describeEachDialect,
  tempDir,
  type DbConnection,
  type TempDir,
} from '../helpers/databases.js';
import { advance, loadDemo } from '../helpers/demo-source.js';
import { runCli } from '../helpers/pipeline/cli-run.js';
import {
  comparableColumns,
  demoProject,
  diffWithSource,
  fullExtraction,
  type DemoProject,
} from '../helpers/pipeline/demo-project.js';
import { planKill, phaseTimes, type PhaseTimes } from '../helpers/pipeline/kill-plan.js';
import { leftovers } from '../helpers/pipeline/leftovers.js';
import { prng, seedFrom } from '../helpers/pipeline/prng.js';
import { inspectCurrent, readDataset, type DatasetContent } from '../helpers/pipeline/processed.js';

const SEED = seedFrom('MOH_PIPELINE_KILL_SEED');
console.log(`[pipeline kill] seed ${SEED} (rerun with MOH_PIPELINE_KILL_SEED=${SEED})`);

/** The sources of the shipped config with PII policies, derived columns, deletes and late rows. */
const SOURCES = ['patients', 'attendances', 'medications', 'lab_results'] as const;
const KILLS: Record<string, number> = { sqlite: 8, postgres: 4 };
/** A kill aimed too late finds the run finished: such a round is replanned, this many times at most. */
const MISSES_ALLOWED = 4;

describeEachDialect(
  'kill -9 during transform and load',
  (target, connection) => {
    let dir: TempDir;
    let demo: DemoProject;
    beforeAll(async () => {
      dir = await tempDir('moh-pipeline-kill-');
      await loadDemo(connection(), { seed: 7, scale: 0.01, days: 10, startDate: '2025-01-01' });
      demo = demoProject(dir.path, connection());
    });
    afterAll(() => dir.remove());

    it('leaves the old or the new version current, never a mix, and the next run completes', async () => {
      const random = prng(SEED + target.name.length);
      const root = demo.project.root;
      const run = (args: string[], kill?: Parameters<typeof runCli>[1]['kill']) =>
        runCli(['run', '--json', '--sources', ...SOURCES, ...args], { cwd: root, env: demo.env, kill });
      const deleted = Object.fromEntries(SOURCES.map((s) => [s, 0])) as Record<string, number>;

      // The first incremental run reads everything and sets the watermarks (a refresh would not).
      const first = await run([]);
      expect(first.code, first.stderr).toBe(0);
      await advanceOpenDay(connection(), deleted);
      const clean = await run([]);
      expect(clean.code, clean.stderr).toBe(0);
      const times: PhaseTimes = phaseTimes(clean);
      let current = await snapshot(root);
      await expectSource(demo, current, deleted, 'the clean day');

      const want = KILLS[target.name] ?? 4;
      const landed: string[] = [];
      const missed: string[] = [];
      while (landed.length < want && missed.length <= MISSES_ALLOWED) {
        await advanceOpenDay(connection(), deleted);
        const plan = planKill(random, SOURCES, times);
        const killed = await run([], plan.at);
        const label = `kill ${landed.length + 1} (${plan.moment} of ${plan.source}): ${killed.fired ?? 'not sent'}, last event "${killed.lastEvent}"`;
        if (killed.signal !== 'SIGKILL') {
          // Aimed after the end of the run: it completed, which is a clean run like any other.
          expect(killed.code, `${label}\n${killed.stderr}`).toBe(0);
          missed.push(label);
        }
        const mid = await checkedSnapshot(root, label);
        const rerun = await run([]);
        expect(rerun.code, `${label}: the next run\n${rerun.stderr}`).toBe(0);
        const after = await snapshot(root);
        const outcome = SOURCES.map((s) => {
          const was = mid[s]!.digest;
          const verdict = was === current[s]!.digest ? 'old' : was === after[s]!.digest ? 'new' : 'MIX';
          expect(
            verdict,
            `${label}: ${s} is neither the dataset before the kill nor after the rerun`,
          ).not.toBe('MIX');
          return `${s} ${verdict}`;
        });
        if (killed.signal === 'SIGKILL') landed.push(`${label} → ${outcome.join(', ')}`);
        await expectSource(demo, after, deleted, label);
        expect(leftovers({ root }), `${label}: debris after the rerun`).toEqual([]);
        current = after;
      }
      console.log(
        `[pipeline kill] ${target.name}, seed ${SEED}:\n  ${[...landed, ...missed.map((m) => `MISSED ${m}`)].join('\n  ')}`,
      );
      expect(landed.length, `kills that landed (missed: ${missed.length})`).toBe(want);
    }, 300_000);
  },
  dialects.filter((d) => d.name !== 'mariadb'),
);

/** Advance the demo to its next day with attendances (a closed day changes nothing), counting deletes. */
async function advanceOpenDay(conn: DbConnection, deleted: Record<string, number>): Promise<void> {
  for (let day = 0; day < 7; day++) {
    const changes = await advance(conn, 1);
    for (const s of SOURCES) deleted[s]! += changes.deleted[s];
    if (changes.counts.attendances > 0) return;
  }
  throw new Error('the demo had no open day in a week');
}

type Snapshot = Record<string, DatasetContent>;

async function snapshot(root: string): Promise<Snapshot> {
  const out: Snapshot = {};
  for (const s of SOURCES) out[s] = await readDataset(path.join(root, 'data/processed'), s);
  return out;
}

/** The datasets as a reader finds them right after a kill: each a complete version. */
async function checkedSnapshot(root: string, label: string): Promise<Snapshot> {
  for (const s of SOURCES) {
    const current = inspectCurrent(path.join(root, 'data/processed'), s);
    expect(current, `${label}: ${s} has no current version`).toBeDefined();
    expect(current!.problems, `${label}: ${s} version ${current!.meta?.version}`).toEqual([]);
  }
  return snapshot(root);
}

/**
 * The datasets equal the source over the columns the transform leaves alone: no source row missing
 * or stale, and as extra rows exactly those the demo hard-deleted since the refresh.
 */
async function expectSource(
  demo: DemoProject,
  now: Snapshot,
  deleted: Record<string, number>,
  label: string,
) {
  const truth = await fullExtraction(demo.oracle, SOURCES);
  for (const s of SOURCES) {
    const columns = comparableColumns(demo.project, s, truth[s]!);
    const dataset = await readDataset(path.join(demo.project.root, 'data/processed'), s, columns);
    expect(dataset.rows.length, `${label}: ${s} rows`).toBe(now[s]!.rows.length);
    expect(diffWithSource(dataset, truth[s]!), `${label}: ${s} against the source`).toEqual({
      missing: 0,
      extra: deleted[s],
    });
  }
}
