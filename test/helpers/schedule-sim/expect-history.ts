/**
 * The simulation's end-of-run checks, on what the scheduler and the runs left behind: the
 * scheduler's events (every run on time, nothing missed, skipped or late), the schedule ledger
 * (settled to the last run, no run time left behind), and the history the operator sees — run
 * records, the Prometheus textfile and jobStatus.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'vitest';
import type { LoadedConfig } from '../../../src/config/load.js';
import { jobStatus } from '../../../src/observe/metrics/index.js';
import type { RunRecord } from '../../../src/pipeline/summary.js';
import {
  missedRuns,
  readHeartbeat,
  readLedger,
  type LedgerEntry,
  type ScheduleEvent,
} from '../../../src/schedule/index.js';
import type { DayReport } from './day-report.js';
import { CRON, JOB, SIM_SOURCES, TIMEZONE } from './project.js';
import { readSamples, sampleValue } from './prometheus-text.js';
import type { SimScheduler } from './scheduler-options.js';

/**
 * The job's ledger entry once it records the run for `scheduledFor`. The scheduler queues the
 * file's write when the run ends; it lands a few milliseconds later, and the loop only awaits it
 * on its next turn, after this day's checks. So wait for it here, but not forever.
 */
export async function settledLedger(file: string, scheduledFor: string): Promise<LedgerEntry | undefined> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const entry = (await readLedger(file)).jobs[JOB];
    if (entry?.last_outcome?.scheduled_for === scheduledFor || Date.now() > deadline) return entry;
    await sleep(10);
  }
}

export function expectSchedulerEvents(events: ScheduleEvent[], due: Date[]): void {
  const of = <T extends ScheduleEvent['type']>(type: T) =>
    events.filter((e): e is Extract<ScheduleEvent, { type: T }> => e.type === type);
  expect(of('job-missed')).toEqual([]);
  expect(of('job-skipped')).toEqual([]);
  expect(of('job-late')).toEqual([]);
  // Every day's run started on time, once; none was a catch-up.
  expect(of('job-started').map((e) => [e.scheduled_for, e.catch_up])).toEqual(
    due.map((d) => [d.toISOString(), false]),
  );
  expect(of('job-finished').map((e) => e.scheduled_for)).toEqual(due.map((d) => d.toISOString()));
}

/** Nothing missed: settled up to the last run, nothing in flight, and no run time left behind. */
export async function expectLedger(scheduler: SimScheduler, due: Date[]): Promise<void> {
  const entry = (await readLedger(scheduler.files.ledger)).jobs[JOB];
  const last = due.at(-1)!;
  expect(entry).toMatchObject({
    settled_until: last.toISOString(),
    last_outcome: { status: 'succeeded', scheduled_for: last.toISOString() },
  });
  expect(entry?.in_flight).toBeUndefined();
  const job = { cron: CRON, timezone: TIMEZONE };
  // A scheduler started an hour after the last run would find nothing to catch up.
  const later = new Date(last.getTime() + 3_600_000);
  expect(missedRuns(job, new Date(entry!.settled_until!), later).count).toBe(0);
}

/**
 * The run records, the Prometheus textfile and jobStatus tell what happened: every scheduled run
 * plus the retry by hand (a `run --job` is a scheduled run as far as the records can tell), two
 * failures, and the success ratio over the newest `success_window` of them. Returns the figures
 * in one line.
 */
export async function expectHistory(
  scheduler: SimScheduler,
  project: LoadedConfig,
  reports: DayReport[],
): Promise<string> {
  const dir = path.join(project.root, 'results/runs');
  const records = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as RunRecord)
    .sort((a, b) => a.finished_at.localeCompare(b.finished_at));
  const runs = reports.flatMap((r) => [r.run!, ...(r.retry ? [r.retry] : [])]);
  expect(records.map((r) => r.run_id).sort()).toEqual(runs.map((r) => r.record!.run_id).sort());
  expect(records.every((r) => r.job === JOB && r.trigger === 'schedule')).toBe(true);
  const failed = records.filter((r) => r.status === 'failed');
  expect(failed).toHaveLength(2);

  const window = project.config.metrics.success_window;
  const recent = records.slice(-window);
  const succeeded = recent.filter((r) => r.status === 'succeeded').length;
  // From the plan, independently: the failures are mid-simulation, so the window loses successes.
  expect([succeeded, recent.length]).toEqual([
    Math.min(window, runs.length) - 2,
    Math.min(window, runs.length),
  ]);
  const samples = readSamples(scheduler.files.textfile);
  const schedule = { schedule: JOB };
  expect(sampleValue(samples, 'moh_etl_scheduled_success_ratio', schedule)).toBeCloseTo(
    succeeded / recent.length,
    9,
  );
  expect(sampleValue(samples, 'moh_etl_scheduled_runs_in_window', schedule)).toBe(recent.length);
  for (const source of SIM_SOURCES) {
    const labels = { source, schedule: JOB };
    const rows = records.reduce((n, r) => n + (r.sources.find((s) => s.source === source)?.rows ?? 0), 0);
    expect(
      ['runs_total', 'failures_total', 'rows_total', 'last_run_status'].map((m) =>
        sampleValue(samples, `moh_etl_${m}`, labels),
      ),
      source,
    ).toEqual([records.length, 2, rows, 1]);
  }
  expect(sampleValue(samples, 'moh_etl_alerts_failed_total', { channel: 'ops' })).toBe(0);
  const heartbeat = await readHeartbeat(scheduler.files.heartbeat);
  expect(heartbeat?.state).toBe('stopped');
  expect(sampleValue(samples, 'moh_etl_scheduler_heartbeat_timestamp_seconds')).toBe(
    Date.parse(heartbeat!.at) / 1000,
  );

  const status = await jobStatus(project.root, project.config.schedules, {
    window,
    indexFile: scheduler.files.index,
  });
  const last = (l: (typeof status)[number]['last']) => l && { run_id: l.run_id, status: l.status };
  expect(status.map((s) => ({ ...s, last: last(s.last) }))).toEqual([
    {
      job: JOB,
      last: { run_id: records.at(-1)!.run_id, status: 'succeeded' },
      runs: recent.length,
      succeeded,
      success_rate: succeeded / recent.length,
    },
  ]);
  const rows = SIM_SOURCES.map(
    (s) => `${s} ${sampleValue(samples, 'moh_etl_rows_total', { source: s, schedule: JOB })}`,
  );
  return (
    `success ratio ${succeeded}/${recent.length} = ${(succeeded / recent.length).toFixed(4)} ` +
    `(${records.length} runs: ${reports.length} scheduled + ${records.length - reports.length} by hand; ` +
    `window ${window}); rows extracted: ${rows.join(', ')}`
  );
}
