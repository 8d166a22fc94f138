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
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoadedConfig } from '../../src/config/load.js';
import type { SourceState } from '../../src/extract/state.js';
import { silentLogger } from '../../src/observe/logger.js';
import { runExtract } from '../../src/pipeline/extract-step.js';
import { BIN, cli } from '../helpers/cli.js';
import { describeEachDialect, tempDir, type DbConnection, type TempDir } from '../helpers/databases.js';
import { readRun, readState, runDirectories, tempFilesUnder, writeTableProject } from '../helpers/project.js';
import { dialectSql, insertRows, openClient, type SqlClient } from '../helpers/sql.js';

const ROWS = Number(process.env.MOH_CRASH_ROWS ?? 10_000);
/** Distinct updated_at values among the first ROWS rows: ties straddle every batch and part. */
const DISTINCT_TIMES = 50;
const BATCH_SIZE = 97;
const PART_ROWS = 400;
/** Kills that must land (the process still running when SIGKILL arrives) per dialect, first extraction. */
const KILLS = 20;
/** Kills per round of the second phase (two rounds of changes, each its own incremental). */
const PHASE2_KILLS = 3;

const SEED = process.env.MOH_CRASH_SEED ? Number(process.env.MOH_CRASH_SEED) : (Date.now() % 2 ** 31) >>> 0;
console.log(`[crash-resume] seed ${SEED} (rerun with MOH_CRASH_SEED=${SEED})`);

/** mulberry32: a small, well-mixed 32-bit PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/**
 * A kill point. The delay runs from an anchor in the run's progress rather than from the spawn
 * alone, so a point lands at the same place in the work whatever the machine's load:
 * - `start`: `share` of the start-up time after the spawn (0.5–1.3: loading, planning, recording
 *   the run, the first batches); the start-up time is re-estimated from every run, as load varies;
 * - `rows`: once this run has checkpointed a part at or past `share` of the rows it has left, then
 *   `delayMs` (less than one part's time): anywhere in the next part — mid-batch, mid-write, between
 *   a part's rename and its checkpoint, mid-checkpoint;
 * - `end`: once the last part is checkpointed, then `delayMs`: the COUNT, the manifest, the
 *   watermark, the exit.
 * Delays are scaled by uninterrupted runs measured first.
 */
type KillPoint =
  | { at: 'start'; share: number }
  | { at: 'rows'; share: number; delayMs: number }
  | { at: 'end'; delayMs: number };

/** Timings of an uninterrupted run, to scale kill delays. */
interface Timing {
  /** Spawn until the run has recorded itself (state file written): start-up and planning. */
  startMs: number;
  /** Mean time between checkpoints. */
  partMs: number;
  /** Last checkpoint until the run recorded its success. */
  tailMs: number;
  totalMs: number;
}

/** A fifth very early, a fifth very late, the rest spread over the parts. */
function killPoint(random: () => number, t: Timing): KillPoint {
  const r = random();
  if (r < 0.2) return { at: 'start', share: Number((0.5 + random() * 0.8).toFixed(3)) };
  if (r < 0.4) return { at: 'end', delayMs: Math.round(random() * t.tailMs * 1.5) };
  return { at: 'rows', share: Number(random().toFixed(3)), delayMs: Math.round(random() * t.partMs) };
}

function describePoint(p: KillPoint): string {
  if (p.at === 'rows') return `after ${(p.share * 100).toFixed(1)}% of the rows left + ${p.delayMs}ms`;
  if (p.at === 'start') return `${(p.share * 100).toFixed(1)}% of the start-up after spawn`;
  return `after the last checkpoint + ${p.delayMs}ms`;
}

const BASE = Date.parse('2025-03-01T08:00:00.000Z');

/** updated_at of the k-th distinct time (microseconds included, so their text is exercised). */
function instant(ms: number, micros: number): string {
  return new Date(ms).toISOString().replace(/Z$/, `${String(micros).padStart(3, '0')}Z`);
}

function payload(id: number, version: number): string {
  const specials = ['plain', 'with, comma', 'with "quotes"', ' leading space', 'two\nlines', 'ünïcödé 診所'];
  return `event ${id} v${version} ${specials[(id + version) % specials.length]!}`;
}

/** The first phase's rows: id 1..ROWS, DISTINCT_TIMES timestamps spread over ids. */
function initialRows(sqlTs: (iso: string) => string): unknown[][] {
  const rows: unknown[][] = [];
  for (let id = 1; id <= ROWS; id++) {
    const k = (id * 7919) % DISTINCT_TIMES;
    rows.push([id, sqlTs(instant(BASE + k * 60_000, 123 + k)), payload(id, 0)]);
  }
  return rows;
}

interface RunOutcome {
  killed: boolean;
  code: number | null;
  ms: number;
  stdout: string;
  stderr: string;
  /** Times (ms after spawn): checkpoints seen, a new run recorded (not a resumed one), success recorded. */
  checkpoints: number[];
  recordedMs?: number;
  finishedMs?: number;
  /** The run had recorded its success (watermark moved, nothing pending) when it ended. */
  finished: boolean;
}

function readStateFile(file: string): SourceState | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as SourceState;
  } catch {
    return undefined; // not written yet
  }
}

/**
 * The built CLI's `extract --sources events` in `root`, SIGKILLed at `point` if it is still
 * running then. `work` is the number of rows the whole extraction delivers.
 */
function runCli(
  loaded: LoadedConfig,
  point: KillPoint | undefined,
  work: number,
  startMs = 0,
): Promise<RunOutcome> {
  const file = stateFile(loaded);
  const resuming = readStateFile(file)?.pending;
  const before = resuming?.rows ?? 0;
  const target =
    point?.at === 'end'
      ? work
      : point?.at === 'rows'
        ? before + Math.max(1, Math.ceil(point.share * (work - before)))
        : undefined;
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const wall0 = Date.now();
    const child = spawn(process.execPath, [BIN, 'extract', '--sources', 'events'], {
      cwd: loaded.root,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    let killTimer: NodeJS.Timeout | undefined;
    const fire = (delayMs: number) => (killTimer ??= setTimeout(() => child.kill('SIGKILL'), delayMs));
    if (point?.at === 'start') fire(Math.round(point.share * startMs));
    // Watch the state file: checkpoints (for timing), and the anchor of a `rows`/`end` kill.
    const checkpoints: number[] = [];
    let recordedMs: number | undefined;
    let finishedMs: number | undefined;
    let lastRows = before;
    let lastText = '';
    const watch = setInterval(() => {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch {
        return;
      }
      if (text === lastText) return;
      lastText = text;
      const state = readStateFile(file);
      if (!state) return;
      const now = performance.now() - t0;
      if (state.pending) {
        if (state.pending.run_id !== resuming?.run_id) recordedMs ??= now;
        if (state.pending.rows > lastRows) checkpoints.push(now);
        lastRows = state.pending.rows;
      }
      const finished =
        !state.pending &&
        state.last_run?.status === 'succeeded' &&
        Date.parse(state.last_run.finished_at) >= wall0;
      if (finished) finishedMs ??= now;
      if (point && point.at !== 'start' && target !== undefined) {
        if (finished) fire(0);
        else if ((state.pending?.rows ?? 0) >= target) fire(point.delayMs);
      }
    }, 1);
    const guard = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(killTimer);
      clearTimeout(guard);
      clearInterval(watch);
      const state = readStateFile(file);
      const finished =
        !state?.pending &&
        state?.last_run?.status === 'succeeded' &&
        Date.parse(state.last_run.finished_at) >= wall0;
      resolve({
        finished,
        killed: signal === 'SIGKILL',
        code,
        ms: performance.now() - t0,
        stdout,
        stderr,
        checkpoints,
        recordedMs,
        finishedMs,
      });
    });
  });
}

/** What the files say about where a kill landed. */
function landing(loaded: LoadedConfig, outputDir: string): string {
  const state = readState(loaded, 'events');
  const temps = tempFilesUnder(outputDir).map((f) => path.basename(f));
  const runs = runDirectories(outputDir, 'events');
  const stateTemps = existsSync(path.dirname(stateFile(loaded)))
    ? readdirSync(path.dirname(stateFile(loaded))).filter((f) => f.endsWith('.tmp'))
    : [];
  const bits: string[] = [];
  if (state.pending) {
    const p = state.pending;
    const dir = runs.find((r) => r.dir === p.directory);
    const onDisk = dir?.entries.filter((e) => e.startsWith('part-')).length ?? 0;
    bits.push(`pending rows=${p.rows} parts=${p.parts.length}`);
    if (onDisk > p.parts.length) bits.push(`+${onDisk - p.parts.length} part renamed before its checkpoint`);
    if (dir?.manifest) bits.push('manifest written, watermark not moved');
  } else if (state.last_run?.status === 'succeeded') {
    bits.push('finished (killed on the way out)');
  } else {
    bits.push('before the run was recorded');
  }
  if (temps.length) bits.push(`temp ${temps.join(',')}`);
  if (stateTemps.length) bits.push(`state temp ${stateTemps.join(',')}`);
  return bits.join('; ');
}

function stateFile(loaded: LoadedConfig): string {
  return path.resolve(loaded.root, loaded.config.extraction.state_dir, 'events.json');
}

/** The table as a reader should get it, read independently of moh-etl: id → CSV fields. */
async function tableRows(db: SqlClient): Promise<Map<string, string[]>> {
  const d = dialectSql(db.dialect);
  const rows = await db.rows<{ id: unknown; ts: unknown; payload: unknown }>(
    `SELECT id, ${d.timestampText('updated_at')} AS ts, payload FROM events`,
  );
  return new Map(rows.map((r) => [String(r.id), [String(r.id), String(r.ts), String(r.payload)]]));
}

interface Delivered {
  /** Every row of every finished run, in run order. */
  rows: string[][];
  problems: string[];
  /** Finished runs that delivered at least one row (an incremental with nothing new writes an empty manifest). */
  nonEmptyRuns: number;
  unfinishedDirs: number;
}

/** Rows of every run directory with a manifest; directories without one are ignored, as readers do. */
function delivered(outputDir: string): Delivered {
  const runs = runDirectories(outputDir, 'events');
  const finished = runs.filter((r) => r.manifest);
  const contents = finished.map(readRun);
  return {
    rows: contents.flatMap((c) => c.rows),
    problems: contents.flatMap((c) => c.problems),
    nonEmptyRuns: contents.filter((c) => c.rows.length > 0).length,
    unfinishedDirs: runs.length - finished.length,
  };
}

/** Rows keyed by id, keeping the latest updated_at; and the (id, updated_at) pairs seen more than once. */
function latestById(rows: string[][]): { latest: Map<string, string[]>; repeated: string[] } {
  const latest = new Map<string, string[]>();
  const pairs = new Set<string>();
  const repeated: string[] = [];
  for (const row of rows) {
    const [id, ts] = row as [string, string];
    const pair = `${id}@${ts}`;
    if (pairs.has(pair)) repeated.push(pair);
    pairs.add(pair);
    const seen = latest.get(id);
    if (!seen || seen[1]! < ts) latest.set(id, row);
  }
  return { latest, repeated };
}

function diff(want: Map<string, string[]>, got: Map<string, string[]>): string[] {
  const out: string[] = [];
  for (const [id, row] of want) {
    const g = got.get(id);
    if (!g) out.push(`missing id ${id}`);
    else if (JSON.stringify(g) !== JSON.stringify(row))
      out.push(`id ${id}: got ${JSON.stringify(g)}, want ${JSON.stringify(row)}`);
  }
  for (const id of got.keys()) if (!want.has(id)) out.push(`unexpected id ${id}`);
  return out.slice(0, 20);
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

describe('after a kill -9 [sqlite]', () => {
  it('names the unfinished run, and none once it is resumed', { timeout: 60_000 }, async () => {
    const dir = await tempDir('moh-etl-crash-status-');
    const conn: DbConnection = { dialect: 'sqlite', filename: path.join(dir.path, 'src.sqlite') };
    const db = await openClient(conn);
    try {
      const d = dialectSql('sqlite');
      await db.exec(
        `CREATE TABLE events (id BIGINT PRIMARY KEY, updated_at ${d.timestampType} NOT NULL, payload TEXT)`,
      );
      const rows = Array.from({ length: 5000 }, (_, i) => [
        i + 1,
        instant(BASE + (i % 10) * 1000, 1),
        payload(i + 1, 0),
      ]);
      await insertRows(db, 'events', ['id', 'updated_at', 'payload'], rows);
      const loaded = writeTableProject(path.join(dir.path, 'project'), conn, {
        sources: {
          events: {
            sql: 'SELECT id, updated_at, payload FROM events',
            primary_key: ['id'],
            cursor_column: 'updated_at',
          },
        },
        extraction: { batch_size: BATCH_SIZE, settle_lag: '0s' },
        output: { part_rows: PART_ROWS },
      });
      const killed = await runCli(loaded, { at: 'rows', share: 0.3, delayMs: 0 }, rows.length);
      expect(killed.killed, 'the run finished before the kill').toBe(true);
      const pending = readState(loaded, 'events').pending;
      expect(pending, 'a mid-run kill leaves the run pending').toBeDefined();

      const status = cli(['status'], { cwd: loaded.root });
      expect(status.code).toBe(0);
      // `status` has an "unfinished run" column: after a crash it must name the run to be resumed.
      expect(status.stdout, `status after a kill:\n${status.stdout}`).toContain(pending!.run_id);

      const resumed = await runCli(loaded, undefined, rows.length);
      expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
      expect(readState(loaded, 'events').pending).toBeUndefined();
    } finally {
      await db.close();
    }
  });

  it('a temp file left by a killed process does not block a later process with the same pid', async () => {
    // A kill -9 while the state file is being replaced leaves data/state/.events.json.<pid>.tmp
    // (seen above in the kill logs as "state temp …"). PIDs are reused — in a container where
    // moh-etl is PID 1, every run has the same one — so the later run is played by this process.
    const dir = await tempDir('moh-etl-crash-pid-');
    const conn: DbConnection = { dialect: 'sqlite', filename: path.join(dir.path, 'src.sqlite') };
    const db = await openClient(conn);
    try {
      await db.exec(
        `CREATE TABLE events (id BIGINT PRIMARY KEY, updated_at ${dialectSql('sqlite').timestampType} NOT NULL, payload TEXT)`,
      );
      const rows = Array.from({ length: 50 }, (_, i) => [i + 1, instant(BASE, 1), payload(i + 1, 0)]);
      await insertRows(db, 'events', ['id', 'updated_at', 'payload'], rows);
      const loaded = writeTableProject(path.join(dir.path, 'project'), conn, {
        sources: {
          events: {
            sql: 'SELECT id, updated_at, payload FROM events',
            primary_key: ['id'],
            cursor_column: 'updated_at',
          },
        },
        extraction: { settle_lag: '0s' },
      });
      const stateDir = path.dirname(stateFile(loaded));
      mkdirSync(stateDir, { recursive: true });
      writeFileSync(path.join(stateDir, `.events.json.${process.pid}.tmp`), '{"source": "ev');

      const summary = await runExtract(loaded, { sources: ['events'], mode: 'incremental' }, silentLogger());
      const r = summary.sources[0]!;
      expect({ status: r.status, rows: r.rows, error: r.error }).toEqual({
        status: 'succeeded',
        rows: 50,
        error: undefined,
      });
    } finally {
      await db.close();
    }
  });
});
