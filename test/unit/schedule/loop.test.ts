import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { jobSchema, type ScheduleJob } from '../../../src/config/schedule-schema.js';
import { UsageError } from '../../../src/errors.js';
import type { ScheduleEvent } from '../../../src/schedule/events.js';
import { readLedger } from '../../../src/schedule/ledger.js';
import { runScheduler, type SchedulerOptions } from '../../../src/schedule/loop.js';
import type { RunJob, RunJobContext } from '../../../src/schedule/run-job.js';
import { SchedulerBusy } from '../../../src/schedule/errors.js';
import { lockScheduler } from '../../../src/schedule/scheduler-lock.js';
import { FakeClock, fakeSleep } from './fake-time.js';

const jobs = (spec: Record<string, Record<string, unknown>>): Record<string, ScheduleJob> =>
  Object.fromEntries(Object.entries(spec).map(([k, v]) => [k, jobSchema.parse(v)]));

interface Call {
  job: string;
  scheduledFor: string;
  catchUp: boolean;
  context: RunJobContext;
}

/** A runner that records its calls and succeeds at once. */
function recorder(): RunJob & { calls: Call[] } {
  const calls: Call[] = [];
  const run: RunJob = (job, _spec, context) => {
    calls.push({ job, scheduledFor: context.scheduledFor.toISOString(), catchUp: context.catchUp, context });
    return Promise.resolve({ status: 'succeeded', exitCode: 0, runId: `run-${calls.length}` });
  };
  return Object.assign(run, { calls });
}

/** A runner whose runs last until they are aborted (or forever, if `ignoreAbort`). */
function hanging(ignoreAbort = false): RunJob & { calls: Call[] } {
  const calls: Call[] = [];
  const run: RunJob = (job, _spec, context) => {
    calls.push({ job, scheduledFor: context.scheduledFor.toISOString(), catchUp: context.catchUp, context });
    return new Promise((resolve) => {
      if (ignoreAbort) return;
      context.signal.addEventListener('abort', () => resolve({ status: 'interrupted', exitCode: 143 }));
    });
  };
  return Object.assign(run, { calls });
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'moh-etl-schedule-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const files = () => ({
  stateDir: path.join(dir, 'state'),
  ledgerFile: path.join(dir, 'state', 'schedule.json'),
  heartbeatFile: path.join(dir, 'state', 'scheduler.heartbeat.json'),
  lockFile: path.join(dir, 'state', 'scheduler.lock'),
});

/** Run the scheduler on a fake clock from `start` until the clock passes `until`. */
async function runUntil(
  start: string,
  until: string,
  options: Pick<SchedulerOptions, 'jobs' | 'runJob'> & Partial<SchedulerOptions>,
  onWake: (now: Date) => void = () => {},
) {
  const clock = new FakeClock(start);
  const controller = new AbortController();
  const stopAt = new Date(until).getTime();
  const sleep = fakeSleep(clock, (now) => {
    onWake(now);
    if (now.getTime() >= stopAt) controller.abort();
  });
  const events: ScheduleEvent[] = [];
  const result = await runScheduler({
    enabledSources: ['attendances', 'patients', 'polyclinics'],
    ...files(),
    clock,
    sleep,
    signal: controller.signal,
    onEvent: (e) => events.push(e),
    // Heartbeats fsync a file; hourly keeps days of fake time quick (one test sets its own).
    heartbeatMs: 3_600_000,
    ...options,
  });
  const of = <T extends ScheduleEvent['type']>(type: T) =>
    events.filter((e): e is Extract<ScheduleEvent, { type: T }> => e.type === type);
  return { result, events, of, clock, sleep };
}

function plantLedger(content: object): void {
  mkdirSync(files().stateDir, { recursive: true });
  writeFileSync(files().ledgerFile, JSON.stringify({ version: 1, jobs: content }));
}

describe('the scheduler loop on a fake clock', () => {
  it('runs each due job once, on time, and records it', async () => {
    const runJob = recorder();
    const { of, result } = await runUntil('2025-01-01T01:00:00+08:00', '2025-01-03T01:00:00+08:00', {
      jobs: jobs({ daily: { cron: '0 2 * * *' } }),
      runJob,
    });
    expect(runJob.calls.map((c) => [c.scheduledFor, c.catchUp])).toEqual([
      ['2024-12-31T18:00:00.000Z', false],
      ['2025-01-01T18:00:00.000Z', false],
    ]);
    expect(runJob.calls[0]!.context.sources).toEqual(['attendances', 'patients', 'polyclinics']);
    expect(of('job-finished').map((e) => [e.status, e.run_id])).toEqual([
      ['succeeded', 'run-1'],
      ['succeeded', 'run-2'],
    ]);
    expect(of('job-missed')).toEqual([]);
    expect(result).toEqual({ exitCode: 0, interrupted: [], abandoned: [] });
    const ledger = await readLedger(files().ledgerFile);
    expect(ledger.jobs.daily).toMatchObject({
      settled_until: '2025-01-01T18:00:00.000Z',
      last_outcome: { status: 'succeeded', run_id: 'run-2', exit_code: 0 },
    });
    expect(ledger.jobs.daily?.in_flight).toBeUndefined();
  });

  it('catches up runs missed during downtime once, with the newest time', async () => {
    plantLedger({ daily: { settled_until: '2025-01-01T18:00:00.000Z' } });
    const runJob = recorder();
    const { of } = await runUntil('2025-01-05T10:00:00+08:00', '2025-01-06T03:00:00+08:00', {
      jobs: jobs({ daily: { cron: '0 2 * * *' } }),
      runJob,
    });
    expect(runJob.calls.map((c) => [c.scheduledFor, c.catchUp])).toEqual([
      ['2025-01-04T18:00:00.000Z', true], // 5 January 02:00, caught up at 10:00
      ['2025-01-05T18:00:00.000Z', false], // 6 January 02:00, on time
    ]);
    expect(of('job-missed')).toEqual([
      expect.objectContaining({
        job: 'daily',
        action: 'caught-up',
        reason: 'downtime',
        count: 3,
        first: '2025-01-02T18:00:00.000Z',
        scheduled_for: '2025-01-04T18:00:00.000Z',
      }),
    ]);
  });

  it('reports, and does not run, missed runs older than max_catch_up_age or with catch_up off', async () => {
    plantLedger({
      weekly: { settled_until: '2024-12-28T16:00:00.000Z' },
      monthly: { settled_until: '2024-11-30T19:00:00.000Z' },
    });
    const runJob = recorder();
    const { of } = await runUntil('2025-01-06T12:00:00+08:00', '2025-01-06T13:00:00+08:00', {
      jobs: jobs({
        weekly: { cron: '0 0 * * 0', max_catch_up_age: '1d' },
        monthly: { cron: '0 3 1 * *', catch_up: false },
      }),
      runJob,
    });
    expect(runJob.calls).toEqual([]);
    expect(of('job-missed').map((e) => [e.job, e.action, e.reason, e.count])).toEqual([
      ['weekly', 'not-run', 'too-old', 1],
      ['monthly', 'not-run', 'catch-up-disabled', 1],
    ]);
    const ledger = await readLedger(files().ledgerFile);
    expect(ledger.jobs.weekly).toMatchObject({
      settled_until: '2025-01-04T16:00:00.000Z',
      last_outcome: { status: 'missed', reason: 'too-old', count: 1 },
    });
  });

  it('catches up a run the scheduler died during (in flight in the ledger)', async () => {
    const inFlight = {
      scheduled_for: '2025-01-02T18:00:00.000Z',
      started_at: '2025-01-02T18:00:01.000Z',
      catch_up: false,
    };
    plantLedger({
      daily: { settled_until: '2025-01-01T18:00:00.000Z', in_flight: inFlight },
      // Killed before the first-seen time was written: the run in flight is still found.
      fresh: { in_flight: inFlight },
    });
    const runJob = recorder();
    await runUntil('2025-01-03T03:00:00+08:00', '2025-01-03T04:00:00+08:00', {
      jobs: jobs({
        daily: { cron: '0 2 * * *', sources: ['attendances'] },
        fresh: { cron: '0 2 * * *', sources: ['patients'] },
      }),
      runJob,
    });
    expect(runJob.calls.map((c) => [c.job, c.scheduledFor, c.catchUp])).toEqual([
      ['daily', '2025-01-02T18:00:00.000Z', true],
      ['fresh', '2025-01-02T18:00:00.000Z', true],
    ]);
  });

  it('never stacks a job on its own running run; on abort it stops the run and returns', async () => {
    const runJob = hanging();
    const { of, result } = await runUntil('2025-01-01T00:00:00Z', '2025-01-01T01:05:00Z', {
      jobs: jobs({ quarter: { cron: '*/15 * * * *', timezone: 'UTC' } }),
      runJob,
    });
    expect(runJob.calls).toHaveLength(1);
    expect(of('job-skipped').map((e) => [e.scheduled_for, e.reason])).toEqual([
      ['2025-01-01T00:30:00.000Z', 'still-running'],
      ['2025-01-01T00:45:00.000Z', 'still-running'],
      ['2025-01-01T01:00:00.000Z', 'still-running'],
    ]);
    expect(runJob.calls[0]!.context.signal.aborted).toBe(true);
    expect(result).toEqual({ exitCode: 0, interrupted: ['quarter'], abandoned: [] });
    expect(of('job-finished')).toEqual([expect.objectContaining({ status: 'interrupted', exit_code: 143 })]);
    const ledger = await readLedger(files().ledgerFile);
    expect(ledger.jobs.quarter?.last_outcome).toMatchObject({
      status: 'interrupted',
      scheduled_for: '2025-01-01T00:15:00.000Z',
    });
  });

  it('returns at the stop bound even when a run ignores the request, listing it as abandoned', async () => {
    const runJob = hanging(true);
    const { result, sleep, of } = await runUntil('2025-01-01T01:59:00+08:00', '2025-01-01T02:01:00+08:00', {
      jobs: jobs({ daily: { cron: '0 2 * * *' } }),
      runJob,
      stopTimeoutMs: 5_000,
    });
    expect(runJob.calls[0]!.context.signal.aborted).toBe(true);
    expect(result).toEqual({ exitCode: 0, interrupted: [], abandoned: ['daily'] });
    expect(sleep.calls.at(-1)).toBe(5_000);
    expect(of('scheduler-stopped')).toEqual([expect.objectContaining({ abandoned: ['daily'] })]);
    // Still in flight: the next start catches it up.
    const ledger = await readLedger(files().ledgerFile);
    expect(ledger.jobs.daily?.in_flight).toMatchObject({ scheduled_for: '2024-12-31T18:00:00.000Z' });
  });

  it('skips a job whose source is locked by a live process, and runs it once the lock is gone', async () => {
    const lockFile = path.join(files().stateDir, 'attendances.lock');
    mkdirSync(files().stateDir, { recursive: true });
    // Our parent (the vitest runner) is alive for the whole test.
    writeFileSync(
      lockFile,
      JSON.stringify({ pid: process.ppid, host: hostname(), run_id: 'manual', since: 'x' }),
    );
    const runJob = recorder();
    const { of } = await runUntil(
      '2025-01-01T01:00:00+08:00',
      '2025-01-02T03:00:00+08:00',
      { jobs: jobs({ daily: { cron: '0 2 * * *', sources: ['attendances'] } }), runJob },
      (now) => {
        if (now.toISOString() > '2025-01-01T12:00:00.000Z') rmSync(lockFile, { force: true });
      },
    );
    expect(of('job-skipped')).toEqual([
      expect.objectContaining({
        scheduled_for: '2024-12-31T18:00:00.000Z',
        reason: 'source-locked',
        sources: ['attendances'],
      }),
    ]);
    expect(of('job-skipped')[0]?.message).toContain(`run manual (pid ${process.ppid}`);
    expect(runJob.calls.map((c) => c.scheduledFor)).toEqual(['2025-01-01T18:00:00.000Z']);
  });

  it('ignores a source lock left by a dead process', async () => {
    mkdirSync(files().stateDir, { recursive: true });
    writeFileSync(
      path.join(files().stateDir, 'attendances.lock'),
      JSON.stringify({ pid: 2 ** 22 + 12345, host: hostname(), run_id: 'gone', since: 'x' }),
    );
    const runJob = recorder();
    await runUntil('2025-01-01T01:59:00+08:00', '2025-01-01T02:05:00+08:00', {
      jobs: jobs({ daily: { cron: '0 2 * * *', sources: ['attendances'] } }),
      runJob,
    });
    expect(runJob.calls).toHaveLength(1);
  });

  it('skips the second of two jobs due together on a shared source', async () => {
    const runJob = hanging();
    const { of } = await runUntil('2025-01-04T23:59:00+08:00', '2025-01-05T00:01:00+08:00', {
      jobs: jobs({
        refresh: { cron: '0 0 * * 0', mode: 'refresh' },
        reference: { cron: '0 0 * * *', mode: 'full', sources: ['polyclinics'] },
      }),
      runJob,
    });
    expect(runJob.calls.map((c) => c.job)).toEqual(['refresh']);
    expect(of('job-skipped')).toEqual([
      expect.objectContaining({ job: 'reference', reason: 'source-locked' }),
    ]);
    expect(of('job-skipped')[0]?.message).toContain('job refresh of this scheduler');
  });

  it('stops a run that passes its timeout and reports a passed sla', async () => {
    const runJob = hanging();
    const { of } = await runUntil('2025-01-01T01:59:00+08:00', '2025-01-01T06:00:00+08:00', {
      jobs: jobs({ daily: { cron: '0 2 * * *', sla: '1h', timeout: '2h' } }),
      runJob,
    });
    expect(of('job-late').map((e) => [e.kind, e.at])).toEqual([
      ['sla', '2024-12-31T19:00:00.000Z'],
      ['timeout', '2024-12-31T20:00:00.000Z'],
    ]);
    expect(runJob.calls[0]!.context.signal.reason).toBe('timeout');
    // A timed-out run is settled: the next start does not catch it up.
    const ledger = await readLedger(files().ledgerFile);
    expect(ledger.jobs.daily).toMatchObject({
      settled_until: '2024-12-31T18:00:00.000Z',
      last_outcome: { status: 'interrupted', reason: 'timeout' },
    });
  });

  it('writes a heartbeat with the next job and the running ones, and sleeps at most maxSleepMs', async () => {
    let seen: unknown;
    const runJob: RunJob = () => {
      seen = JSON.parse(readFileSync(files().heartbeatFile, 'utf8'));
      return Promise.resolve({ status: 'succeeded', exitCode: 0 });
    };
    const { sleep, of } = await runUntil('2025-01-01T01:58:00+08:00', '2025-01-01T02:03:00+08:00', {
      jobs: jobs({ daily: { cron: '0 2 * * *' } }),
      runJob,
      heartbeatMs: 30_000,
      maxSleepMs: 45_000,
    });
    expect(seen).toMatchObject({
      pid: process.pid,
      state: 'running',
      next: { job: 'daily', at: '2024-12-31T18:00:00.000Z' },
      interval_ms: 30_000,
    });
    // The last sleep is the stop bound (default 60 s), not a wait for work.
    expect(Math.max(...sleep.calls.slice(0, -1))).toBeLessThanOrEqual(45_000);
    expect(of('scheduler-heartbeat').length).toBeGreaterThanOrEqual(10);
    const last = JSON.parse(readFileSync(files().heartbeatFile, 'utf8')) as {
      state: string;
      next: { at: string };
    };
    expect(last).toMatchObject({ state: 'stopped', next: { at: '2025-01-01T18:00:00.000Z' } });
  });

  it('refuses to start without enabled jobs, or beside another scheduler', async () => {
    await expect(
      runUntil('2025-01-01T00:00:00Z', '2025-01-01T00:01:00Z', { jobs: {}, runJob: recorder() }),
    ).rejects.toThrow(UsageError);
    const held = lockScheduler(files().lockFile);
    try {
      await expect(
        runUntil('2025-01-01T00:00:00Z', '2025-01-01T00:01:00Z', {
          jobs: jobs({ daily: { cron: '0 2 * * *' } }),
          runJob: recorder(),
        }),
      ).rejects.toThrow(SchedulerBusy);
    } finally {
      held.release();
    }
  });
});
