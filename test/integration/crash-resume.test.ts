/**
 * kill -9 at many points of an incremental extraction by the built CLI, then resume until a run
 * exits 0. Whatever the moment of the kill (starting up, mid-batch, mid-part, between a part's
 * rename and its checkpoint, writing the manifest, moving the watermark, exiting), a reader who
 * takes the rows of the run directories that have a manifest gets exactly the table: every row
 * once, every value as stored. No run is left pending and no temporary file is left in the output.
 * Then two more incrementals (updated and new rows, ties again), killed too: the latest version of
 * every row, no (id, updated_at) delivered twice.
 *
 * Kill points come from a seeded PRNG; the seed, the plan and where each kill landed (rows
 * committed, files present) are printed. Rerun a plan with
 *   MOH_CRASH_SEED=<seed> npx vitest run test/integration/crash-resume.test.ts
 * (a point is anchored to the run's progress, so it lands at about the same place again).
 * MOH_CRASH_ROWS (default 10,000) and MOH_CRASH_LANES (default 2) trade thoroughness for time: most
 * of a CLI run is its start-up, so the file's time is about (kills + episodes) × start-up / lanes.
 *
 * The kill points, the CLI child and the readers of delivered rows are test/helpers/crash-kit.ts;
 * what a kill leaves behind (status, a state temp file) is test/integration/crash-leftovers.test.ts.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { LoadedConfig } from '../../src/config/load.js';
import {
  BASE,
  BATCH_SIZE,
  delivered,
  describePoint,
  diff,
  instant,
  killPoint,
  landing,
  latestById,
  PART_ROWS,
  payload,
  prng,
  runCli,
  tableRows,
  type Delivered,
  type KillPoint,
  type RunOutcome,
  type Timing,
} from '../helpers/crash-kit.js';
import { describeEachDialect, tempDir, type DbConnection, type TempDir } from '../helpers/databases.js';
import { readState, tempFilesUnder, writeTableProject } from '../helpers/project.js';
import { dialectSql, insertRows, openClient, type SqlClient } from '../helpers/sql.js';

const ROWS = Number(process.env.MOH_CRASH_ROWS ?? 10_000);
/** Distinct updated_at values among the first ROWS rows: ties straddle every batch and part. */
const DISTINCT_TIMES = 50;
/** Kills that must land (the process still running when SIGKILL arrives) per dialect, first extraction. */
const KILLS = 20;
/** Kills per round of the second phase (two rounds of changes, each its own incremental). */
const PHASE2_KILLS = 3;

const SEED = process.env.MOH_CRASH_SEED ? Number(process.env.MOH_CRASH_SEED) : (Date.now() % 2 ** 31) >>> 0;
console.log(`[crash-resume] seed ${SEED} (rerun with MOH_CRASH_SEED=${SEED})`);

/** The first phase's rows: id 1..ROWS, DISTINCT_TIMES timestamps spread over ids. */
function initialRows(sqlTs: (iso: string) => string): unknown[][] {
  const rows: unknown[][] = [];
  for (let id = 1; id <= ROWS; id++) {
    const k = (id * 7919) % DISTINCT_TIMES;
    rows.push([id, sqlTs(instant(BASE + k * 60_000, 123 + k)), payload(id, 0)]);
  }
  return rows;
}

/** One project root: its own config, state and output; extractions in different lanes run side by side. */
interface Lane {
  name: string;
  loaded: LoadedConfig;
  outputDir: string;
}

/** Parallel lanes of episodes per dialect: a CLI run is mostly start-up and fsync, so two overlap well. */
const LANES = Number(process.env.MOH_CRASH_LANES ?? 2);

describeEachDialect('kill -9 and resume', (target, connection) => {
  let dir: TempDir;
  let db: SqlClient;
  let lanes: Lane[];
  let timing: Timing;
  const random = prng(SEED ^ { sqlite: 0x51, postgres: 0x9e37, mariadb: 0x7f4a7c15 }[target.name]);
  const log = (line: string) => console.log(`[crash-resume ${target.name}] ${line}`);

  beforeAll(async () => {
    dir = await tempDir('moh-etl-crash-');
    const conn: DbConnection = connection();
    db = await openClient(conn);
    const d = dialectSql(conn.dialect);
    await db.exec(
      `CREATE TABLE events (id BIGINT PRIMARY KEY, updated_at ${d.timestampType} NOT NULL, payload TEXT)`,
    );
    await db.exec('CREATE INDEX events_cursor ON events (updated_at, id)');
    await insertRows(db, 'events', ['id', 'updated_at', 'payload'], initialRows(d.bindTimestamp));
    lanes = Array.from({ length: Math.max(1, LANES) }, (_, k) => {
      const loaded = writeTableProject(path.join(dir.path, `lane-${k}`), conn, {
        sources: {
          events: {
            sql: 'SELECT id, updated_at, payload FROM events',
            primary_key: ['id'],
            cursor_column: 'updated_at',
            mode: 'incremental',
            ...(d.sourceTimezone ? { timezone: d.sourceTimezone } : {}),
          },
        },
        extraction: { batch_size: BATCH_SIZE, settle_lag: '0s' },
        output: { part_rows: PART_ROWS },
      });
      return {
        name: `lane ${k}`,
        loaded,
        outputDir: path.resolve(loaded.root, loaded.config.output.directory),
      };
    });
  });
  afterAll(async () => {
    await db?.close();
    await dir?.remove();
  });

  /** Forget every extraction of the lane: state, files, summaries, logs. */
  const reset = (lane: Lane) => {
    for (const d of ['data', 'results', 'logs'])
      rmSync(path.join(lane.loaded.root, d), { recursive: true, force: true });
  };

  /** After a run exited 0: the reader's union equals `want`, nothing pending, no temp files. */
  function expectExact(lane: Lane, want: Map<string, string[]>, context: string): Delivered {
    const got = delivered(lane.outputDir);
    expect(got.problems, context).toEqual([]);
    const { latest, repeated } = latestById(got.rows);
    expect(repeated, `${context}: (id, updated_at) delivered twice`).toEqual([]);
    expect(diff(want, latest), context).toEqual([]);
    const state = readState(lane.loaded, 'events');
    expect(state.pending, `${context}: a run is still pending`).toBeUndefined();
    expect(state.last_run?.status, context).toBe('succeeded');
    expect(tempFilesUnder(lane.outputDir), `${context}: temp files left in the output`).toEqual([]);
    return got;
  }

  /** One incremental extraction of `work` rows, killed at each point in turn, then run to the end. */
  async function killAndResume(
    lane: Lane,
    points: KillPoint[],
    work: number,
    label: string,
  ): Promise<number> {
    let landed = 0;
    for (const [i, point] of points.entries()) {
      const run = await runCli(lane.loaded, point, work, timing.startMs);
      observeStart(run);
      const at = point.at === 'start' ? ` (${Math.round(point.share * timing.startMs)}ms)` : '';
      const where = `${label} kill ${i + 1}: ${describePoint(point)}${at}`;
      if (!run.killed) {
        expect(run.code, `${label} run ${i + 1} exited unkilled:\n${run.stdout}\n${run.stderr}`).toBe(0);
        log(`${where} — the run exited 0 first (${Math.round(run.ms)}ms)`);
        return landed;
      }
      landed++;
      log(`${where} — killed at ${Math.round(run.ms)}ms: ${landing(lane.loaded, lane.outputDir)}`);
      if (run.finished) return landed; // the extraction is complete: nothing left to resume
    }
    const last = await runCli(lane.loaded, undefined, work);
    observeStart(last);
    expect(last.code, `${label} final run:\n${last.stdout}\n${last.stderr}`).toBe(0);
    return landed;
  }

  /**
   * Follow the start-up time as the machine's load changes: a new run records itself just before
   * it starts reading; a resumed run's first checkpoint comes about one part after it starts reading.
   */
  function observeStart(run: RunOutcome): void {
    const seen =
      run.recordedMs !== undefined
        ? run.recordedMs
        : run.checkpoints[0] !== undefined
          ? run.checkpoints[0] - timing.partMs
          : undefined;
    if (seen !== undefined && seen > 0) timing.startMs = (timing.startMs + seen) / 2;
  }

  /** 3–6 kill points; an `end` kill only last (after it the run has nothing left to be killed in). */
  function episodePlan(): KillPoint[] {
    const points = Array.from({ length: 3 + Math.floor(random() * 4) }, () => killPoint(random, timing));
    const ends = points.filter((p) => p.at === 'end');
    return [...points.filter((p) => p.at !== 'end'), ...ends.slice(0, 1)];
  }

  it(`delivers every row exactly once across ≥${KILLS} kills`, { timeout: 240_000 }, async () => {
    const t0 = performance.now();
    const want = await tableRows(db);
    expect(want.size).toBe(ROWS);

    // Uninterrupted runs, one per lane side by side (as the episodes will run), to scale the kill
    // delays — and as a check of their own.
    const cleans = await Promise.all(
      lanes.map(async (lane) => {
        reset(lane);
        return runCli(lane.loaded, undefined, ROWS);
      }),
    );
    cleans.forEach((run, k) => {
      expect(run.code, run.stdout + run.stderr).toBe(0);
      expectExact(lanes[k]!, want, `${lanes[k]!.name}: uninterrupted run`);
    });
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const per = cleans.map((c) => {
      const cps = c.checkpoints;
      const recorded = c.recordedMs ?? c.ms / 3;
      const lastCp = cps[cps.length - 1] ?? recorded;
      return {
        startMs: recorded,
        partMs: cps.length > 1 ? (lastCp - cps[0]!) / (cps.length - 1) : c.ms / 10,
        tailMs: (c.finishedMs ?? c.ms) - lastCp,
        totalMs: c.ms,
      };
    });
    timing = {
      startMs: mean(per.map((p) => p.startMs)),
      partMs: mean(per.map((p) => p.partMs)),
      tailMs: mean(per.map((p) => p.tailMs)),
      totalMs: mean(per.map((p) => p.totalMs)),
    };
    log(
      `seed ${SEED}; ${ROWS} rows, batch ${BATCH_SIZE}, part ${PART_ROWS}, ${lanes.length} lanes: ` +
        `uninterrupted run ${Math.round(timing.totalMs)}ms (recorded at ${Math.round(timing.startMs)}ms, ` +
        `checkpoints ${Math.round(timing.partMs)}ms apart, last checkpoint to success ${Math.round(timing.tailMs)}ms)`,
    );

    // Episodes: a fresh extraction killed 3–6 times, then resumed to the end. The sequence of
    // plans is fixed by the seed; the lanes take episodes from it in order until KILLS kills landed
    // (each plan is printed as it is taken).
    const plan = Array.from({ length: 40 }, episodePlan);
    let landed = 0;
    let next = 0;
    const runEpisode = async (lane: Lane, e: number, points: KillPoint[]) => {
      log(`plan episode ${e} (${lane.name}): ${points.map(describePoint).join('; ')}`);
      reset(lane);
      const n = await killAndResume(lane, points, ROWS, `episode ${e} (${lane.name})`);
      landed += n; // (not `landed += await …`: lanes interleave)
      const got = expectExact(lane, want, `episode ${e} (${lane.name}, seed ${SEED})`);
      expect(got.rows.length, `episode ${e}: rows delivered`).toBe(ROWS);
      if (got.unfinishedDirs > 0)
        log(`episode ${e}: ${got.unfinishedDirs} run directories without a manifest (ignored)`);
    };
    // A failing lane stops the others taking new episodes; all settle before the test ends, so no
    // CLI outlives it.
    let failed = false;
    const settled = await Promise.allSettled(
      lanes.map(async (lane) => {
        while (landed < KILLS && next < plan.length && !failed) {
          const e = next++;
          await runEpisode(lane, e + 1, plan[e]!).catch((error: unknown) => {
            failed = true;
            throw error;
          });
        }
      }),
    );
    for (const s of settled) if (s.status === 'rejected') throw s.reason;
    log(`${landed} kills landed, ${Math.round((performance.now() - t0) / 1000)}s`);
    expect(landed).toBeGreaterThanOrEqual(KILLS);
  });

  it('the next incrementals after new and updated rows, killed again', { timeout: 120_000 }, async () => {
    // Continues from lane 0's last finished extraction above.
    const lane = lanes[0]!;
    const t0 = performance.now();
    expect(readState(lane.loaded, 'events').watermark).toBeDefined();
    const d = dialectSql(db.dialect);
    let nextId = ROWS + 1;
    let landed = 0;
    for (const round of [1, 2]) {
      // Later timestamps, few distinct (ties again), for updated rows and new rows alike.
      const later = (k: number) =>
        d.bindTimestamp(instant(BASE + 86_400_000 * round + (k % 7) * 1000, 456 + (k % 7)));
      const updates = Math.round(ROWS / 10);
      const step = Math.floor(ROWS / updates);
      const ids = Array.from({ length: updates }, (_, i) => 1 + ((i * step + round * 3) % ROWS));
      if (db.dialect === 'sqlite') await db.exec('BEGIN');
      for (const [k, id] of ids.entries()) {
        await db.exec('UPDATE events SET updated_at = ?, payload = ? WHERE id = ?', [
          later(k),
          payload(id, round),
          id,
        ]);
      }
      if (db.dialect === 'sqlite') await db.exec('COMMIT');
      const inserts = Math.round(ROWS / 10);
      const fresh = Array.from({ length: inserts }, (_, k) => [
        nextId + k,
        later(k),
        payload(nextId + k, round),
      ]);
      nextId += inserts;
      await insertRows(db, 'events', ['id', 'updated_at', 'payload'], fresh);

      const points = Array.from({ length: PHASE2_KILLS }, () => killPoint(random, timing));
      const plan = [
        ...points.filter((p) => p.at !== 'end'),
        ...points.filter((p) => p.at === 'end').slice(0, 1),
      ];
      log(`plan round ${round}: ${plan.map(describePoint).join('; ')}`);
      landed += await killAndResume(lane, plan, updates + inserts, `round ${round}`);
      const want = await tableRows(db);
      const got = expectExact(lane, want, `round ${round} (seed ${SEED})`);
      // Each incremental delivers its changed rows once: the first extraction, plus each round's.
      expect(got.rows.length).toBe(ROWS + round * (updates + inserts));
      expect(got.nonEmptyRuns).toBe(1 + round);
    }
    log(`next incrementals: ${landed} kills landed, ${Math.round((performance.now() - t0) / 1000)}s`);
  });
});
