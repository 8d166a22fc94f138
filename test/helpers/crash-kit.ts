/**
 * The kit of the kill -9 tests (test/integration/crash-resume.test.ts, crash-leftovers.test.ts):
 * - kill points drawn from a seeded PRNG and anchored to a run's progress (KillPoint, killPoint);
 * - the built CLI's `extract --sources events` as a child, SIGKILLed at such a point (runCli), and
 *   what the files say about where a kill landed (landing);
 * - the rows of the `events` table and generators of its values (instant, payload);
 * - readers of the delivered rows: every run directory with a manifest (delivered), the latest
 *   version per id (latestById), and the differences from the table (diff).
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { LoadedConfig } from '../../src/config/load.js';
import type { SourceState } from '../../src/extract/state.js';
import { BIN } from './cli.js';
import { readRun, readState, runDirectories, tempFilesUnder } from './project.js';
import { dialectSql, type SqlClient } from './sql.js';

/** Batches and parts of the `events` projects: small, so a kill has many places to land. */
export const BATCH_SIZE = 97;
export const PART_ROWS = 400;

/** mulberry32: a small, well-mixed 32-bit PRNG. */
export function prng(seed: number): () => number {
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
export type KillPoint =
  | { at: 'start'; share: number }
  | { at: 'rows'; share: number; delayMs: number }
  | { at: 'end'; delayMs: number };

/** Timings of an uninterrupted run, to scale kill delays. */
export interface Timing {
  /** Spawn until the run has recorded itself (state file written): start-up and planning. */
  startMs: number;
  /** Mean time between checkpoints. */
  partMs: number;
  /** Last checkpoint until the run recorded its success. */
  tailMs: number;
  totalMs: number;
}

/** A fifth very early, a fifth very late, the rest spread over the parts. */
export function killPoint(random: () => number, t: Timing): KillPoint {
  const r = random();
  if (r < 0.2) return { at: 'start', share: Number((0.5 + random() * 0.8).toFixed(3)) };
  if (r < 0.4) return { at: 'end', delayMs: Math.round(random() * t.tailMs * 1.5) };
  return { at: 'rows', share: Number(random().toFixed(3)), delayMs: Math.round(random() * t.partMs) };
}

export function describePoint(p: KillPoint): string {
  if (p.at === 'rows') return `after ${(p.share * 100).toFixed(1)}% of the rows left + ${p.delayMs}ms`;
  if (p.at === 'start') return `${(p.share * 100).toFixed(1)}% of the start-up after spawn`;
  return `after the last checkpoint + ${p.delayMs}ms`;
}

export const BASE = Date.parse('2025-03-01T08:00:00.000Z');

/** updated_at of the k-th distinct time (microseconds included, so their text is exercised). */
export function instant(ms: number, micros: number): string {
  return new Date(ms).toISOString().replace(/Z$/, `${String(micros).padStart(3, '0')}Z`);
}

export function payload(id: number, version: number): string {
  const specials = ['plain', 'with, comma', 'with "quotes"', ' leading space', 'two\nlines', 'ünïcödé 診所'];
  return `event ${id} v${version} ${specials[(id + version) % specials.length]!}`;
}

export interface RunOutcome {
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
export function runCli(
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
export function landing(loaded: LoadedConfig, outputDir: string): string {
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

export function stateFile(loaded: LoadedConfig): string {
  return path.resolve(loaded.root, loaded.config.extraction.state_dir, 'events.json');
}

/** The table as a reader should get it, read independently of moh-etl: id → CSV fields. */
export async function tableRows(db: SqlClient): Promise<Map<string, string[]>> {
  const d = dialectSql(db.dialect);
  const rows = await db.rows<{ id: unknown; ts: unknown; payload: unknown }>(
    `SELECT id, ${d.timestampText('updated_at')} AS ts, payload FROM events`,
  );
  return new Map(rows.map((r) => [String(r.id), [String(r.id), String(r.ts), String(r.payload)]]));
}

export interface Delivered {
  /** Every row of every finished run, in run order. */
  rows: string[][];
  problems: string[];
  /** Finished runs that delivered at least one row (an incremental with nothing new writes an empty manifest). */
  nonEmptyRuns: number;
  unfinishedDirs: number;
}

/** Rows of every run directory with a manifest; directories without one are ignored, as readers do. */
export function delivered(outputDir: string): Delivered {
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
export function latestById(rows: string[][]): { latest: Map<string, string[]>; repeated: string[] } {
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

export function diff(want: Map<string, string[]>, got: Map<string, string[]>): string[] {
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
