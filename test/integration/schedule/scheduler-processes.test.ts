/**
 * The scheduler as real processes: its lock against a second scheduler and a kill -9'd holder,
 * SIGTERM in the middle of a run and the resumed run's exact part count, and a run orphaned by a
 * kill -9 of its scheduler that the next scheduler must not stack on. The runs are job.ts, a
 * stand-in for `moh-etl run --job` holding the real per-source lock.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readLedger } from '../../../src/schedule/ledger.js';
import { SchedulerBusy } from '../../../src/schedule/errors.js';
import { lockScheduler } from '../../../src/schedule/scheduler-lock.js';
import { fixturesIn, killLeftovers, spawnFixture, waitFor } from './processes.js';
import { transpileTree } from './transpiled.js';

let transpiled: string;
let fixtures: string;
let project: string;
let orphans: number[] = [];

beforeAll(() => {
  transpiled = mkdtempSync(path.join(tmpdir(), 'moh-etl-schedule-js-'));
  transpileTree(
    ['scheduler.ts', 'job.ts', 'hold-lock.ts'].map((f) => `test/integration/schedule/fixtures/${f}`),
    transpiled,
  );
  fixtures = fixturesIn(transpiled);
});
afterAll(() => rmSync(transpiled, { recursive: true, force: true }));
beforeEach(() => {
  project = mkdtempSync(path.join(tmpdir(), 'moh-etl-schedule-project-'));
  mkdirSync(path.join(project, 'state'));
});
afterEach(() => {
  killLeftovers();
  for (const pid of orphans) if (alive(pid)) process.kill(pid, 'SIGKILL');
  orphans = [];
  rmSync(project, { recursive: true, force: true });
});

const state = (file: string) => path.join(project, 'state', file);
const parts = () =>
  existsSync(path.join(project, 'out')) ? readdirSync(path.join(project, 'out')).sort() : [];
const writers = () => new Set(parts().map((p) => readFileSync(path.join(project, 'out', p), 'utf8').trim()));
const JOB = JSON.stringify({ cron: '0 2 * * *', sources: ['attendances'] });
const env = (virtualStart: string, extra: Record<string, string> = {}) => ({
  PROJECT: project,
  JOB,
  VIRTUAL_START: virtualStart,
  ...extra,
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('the scheduler as real processes', () => {
  it('allows one scheduler per project, and takes over the lock of a kill -9’d holder', async () => {
    const lockFile = state('scheduler.lock');
    const holder = spawnFixture(fixtures, 'hold-lock.js', { LOCK_FILE: lockFile });
    await waitFor('the holder to take the lock', () => holder.stdout().includes('locked'));

    const second = spawnFixture(fixtures, 'scheduler.js', env('2025-01-01T01:00:00+08:00'));
    expect(await second.exited).toEqual({ code: 1, signal: null });
    expect(second.stderr()).toContain(
      `SchedulerBusy: another moh-etl scheduler is running for this project (pid ${holder.process.pid} on `,
    );
    expect(() => lockScheduler(lockFile)).toThrow(SchedulerBusy);

    holder.process.kill('SIGKILL');
    await holder.exited;
    const lock = lockScheduler(lockFile);
    expect(JSON.parse(readFileSync(lockFile, 'utf8'))).toMatchObject({ pid: process.pid });
    lock.release();
    expect(existsSync(lockFile)).toBe(false);
  });

  it('stops a run at a part boundary on SIGTERM, exits 0, and the next start resumes it exactly', async () => {
    // Slack for a loaded machine: the SIGTERM must land while parts remain.
    const extra = { PARTS: '30', PART_MS: '100' };
    const first = spawnFixture(fixtures, 'scheduler.js', env('2025-01-01T01:59:59+08:00', extra));
    await waitFor('five parts', () => parts().length >= 5);
    first.process.kill('SIGTERM');
    expect(await first.exited).toEqual({ code: 0, signal: null });
    const stoppedAt = parts().length;
    expect(stoppedAt).toBeLessThan(30);
    expect(first.events()).toContainEqual(
      expect.objectContaining({ type: 'job-finished', status: 'interrupted', exit_code: 143 }),
    );
    expect(first.events().at(-1)).toMatchObject({
      type: 'result',
      exitCode: 0,
      interrupted: ['daily'],
      abandoned: [],
    });
    expect(existsSync(state('attendances.lock'))).toBe(false);
    expect(existsSync(state('scheduler.lock'))).toBe(false);
    expect(JSON.parse(readFileSync(state('scheduler.heartbeat.json'), 'utf8'))).toMatchObject({
      state: 'stopped',
    });
    expect((await readLedger(state('schedule.json'))).jobs.daily?.last_outcome).toMatchObject({
      status: 'interrupted',
      scheduled_for: '2024-12-31T18:00:00.000Z',
    });

    // Ten (virtual) minutes later: the interrupted 02:00 run is caught up once and resumes.
    const second = spawnFixture(fixtures, 'scheduler.js', env('2025-01-01T02:10:00+08:00', extra));
    const finished = await waitFor('the resumed run to finish', () =>
      second.events().find((e) => e.type === 'job-finished'),
    );
    second.process.kill('SIGTERM');
    expect(await second.exited).toEqual({ code: 0, signal: null });
    expect(finished).toMatchObject({ status: 'succeeded', exit_code: 0 });
    expect(second.events().filter((e) => e.type === 'job-started')).toEqual([
      expect.objectContaining({ scheduled_for: '2024-12-31T18:00:00.000Z', catch_up: true }),
    ]);
    // Exactly 30 parts, each written once (a second write of a part would have failed the run),
    // by the interrupted run and the resumed one.
    expect(parts()).toEqual(Array.from({ length: 30 }, (_, i) => `part-${String(i + 1).padStart(3, '0')}`));
    expect(writers().size).toBe(2);
  });

  it('does not stack on a run orphaned by a kill -9 of its scheduler', async () => {
    // Slack for a loaded machine: the run must outlive the second scheduler's start.
    const extra = { PARTS: '40', PART_MS: '100' };
    const first = spawnFixture(fixtures, 'scheduler.js', env('2025-01-01T01:59:59+08:00', extra));
    await waitFor('three parts', () => parts().length >= 3);
    first.process.kill('SIGKILL');
    await first.exited;
    // The run is its own process: it keeps going and keeps the source lock.
    const run = JSON.parse(readFileSync(state('attendances.lock'), 'utf8')) as { pid: number };
    orphans.push(run.pid);
    expect(alive(run.pid)).toBe(true);

    const second = spawnFixture(fixtures, 'scheduler.js', env('2025-01-01T02:05:00+08:00', extra));
    const skipped = await waitFor('the skip', () => second.events().find((e) => e.type === 'job-skipped'));
    expect(skipped).toMatchObject({ reason: 'source-locked', scheduled_for: '2024-12-31T18:00:00.000Z' });
    expect(skipped.message).toContain(`pid ${run.pid} `);
    second.process.kill('SIGTERM');
    expect(await second.exited).toEqual({ code: 0, signal: null });
    expect(second.events().filter((e) => e.type === 'job-started')).toEqual([]);

    await waitFor('the orphaned run to finish', () => !alive(run.pid));
    expect(parts()).toHaveLength(40);
    expect(writers()).toEqual(new Set([String(run.pid)]));
  });
});
