/**
 * The scheduler's decisions, as pure functions of a job, times and lock facts: when a job runs
 * next, which runs were missed, whether a missed run is caught up, whether a due run must be
 * skipped. The loop (loop.ts) only sleeps, asks these, and acts; tests drive them on a fake clock.
 */
import type { ScheduleJob } from '../config/schedule-schema.js';
import { parseDuration } from '../config/duration.js';
import { compileCron } from './cron.js';

/** The next `n` run times strictly after `from`, in real time (see cron.ts for DST). */
export function nextRuns(job: Pick<ScheduleJob, 'cron' | 'timezone'>, from: Date, n: number): Date[] {
  return compileCron(job.cron, job.timezone).nextRuns(n, from);
}

/** The run times in (`after`, `now`]: oldest first, at most `limit` of them. */
export interface MissedRuns {
  times: Date[];
  /** Exact when not truncated; otherwise at least `limit`. */
  count: number;
  truncated: boolean;
  /** The newest missed run time (known even when truncated). */
  latest: Date | undefined;
}

/** Enough to report an outage; a minutely job down for a year is not enumerated. */
export const MISSED_RUNS_LIMIT = 100;

/** The run times in (`after`, `now`], capped at `limit`. */
export function missedRuns(
  job: Pick<ScheduleJob, 'cron' | 'timezone'>,
  after: Date,
  now: Date,
  limit = MISSED_RUNS_LIMIT,
): MissedRuns {
  const cron = compileCron(job.cron, job.timezone);
  const times: Date[] = [];
  let next = cron.nextRun(after);
  while (next && next.getTime() <= now.getTime() && times.length < limit) {
    times.push(next);
    next = cron.nextRun(next);
  }
  const truncated = next !== null && next.getTime() <= now.getTime();
  // croner includes a run in the same second as the reference but before it: one ms past now.
  const latest = truncated ? cron.previousRuns(1, new Date(now.getTime() + 1))[0] : times.at(-1);
  return { times, count: times.length, truncated, latest };
}

export type DueDecision =
  | { action: 'none' }
  /** Start the job for `scheduledFor`; `catchUp` when it is late (downtime, suspend, clock jump). */
  | { action: 'run'; scheduledFor: Date; catchUp: boolean; missed: MissedRuns }
  /** Do not run: report the missed runs (catch_up is off, or the newest is older than max_catch_up_age). */
  | { action: 'report'; reason: 'catch-up-disabled' | 'too-old'; missed: MissedRuns };

/** How late a due run may start and still count as on time. Default 2 minutes. */
export const DEFAULT_GRACE_MS = 120_000;

/**
 * What to do about a job whose last settled run time is `after`, at `now`. A run that is due on
 * time runs; late runs (one or many) collapse into one catch-up run of the newest, if the job
 * allows catch-up and that run is not older than `max_catch_up_age`; otherwise they are reported.
 */
export function decideDue(
  job: Pick<ScheduleJob, 'cron' | 'timezone' | 'catch_up' | 'max_catch_up_age'>,
  after: Date,
  now: Date,
  graceMs = DEFAULT_GRACE_MS,
): DueDecision {
  const missed = missedRuns(job, after, now);
  const latest = missed.latest;
  if (!latest) return { action: 'none' };
  const lateBy = now.getTime() - latest.getTime();
  if (missed.count === 1 && lateBy <= graceMs) {
    return { action: 'run', scheduledFor: latest, catchUp: false, missed };
  }
  return catchUpDecision(job, missed, now);
}

/** Catch-up for late runs: run the newest once, or report them all. */
export function catchUpDecision(
  job: Pick<ScheduleJob, 'catch_up' | 'max_catch_up_age'>,
  missed: MissedRuns,
  now: Date,
): DueDecision {
  const latest = missed.latest;
  if (!latest) return { action: 'none' };
  if (!job.catch_up) return { action: 'report', reason: 'catch-up-disabled', missed };
  const maxAge = parseDuration(job.max_catch_up_age) ?? Number.POSITIVE_INFINITY;
  if (now.getTime() - latest.getTime() > maxAge) return { action: 'report', reason: 'too-old', missed };
  return { action: 'run', scheduledFor: latest, catchUp: true, missed };
}

/** What the scheduler knows is busy right now. */
export interface HeldLocks {
  /** Jobs this scheduler has started and not yet seen finish. */
  runningJobs: ReadonlySet<string>;
  /** Sources being extracted: by this scheduler's runs, or locked by another live process. */
  busySources: ReadonlyMap<string, string>;
}

export type SkipDecision =
  | { skip: false }
  | { skip: true; reason: 'still-running'; message: string }
  | { skip: true; reason: 'source-locked'; sources: string[]; message: string };

/**
 * Whether a due run of `job` must be skipped: its own previous run is still going (never stack a
 * job on itself), or another run holds one of its sources (its run would fail with SourceBusy).
 */
export function shouldSkip(jobName: string, sources: readonly string[], held: HeldLocks): SkipDecision {
  if (held.runningJobs.has(jobName)) {
    return {
      skip: true,
      reason: 'still-running',
      message: `the previous run of ${jobName} is still running`,
    };
  }
  const busy = sources.filter((s) => held.busySources.has(s));
  if (busy.length === 0) return { skip: false };
  const who = busy.map((s) => `${s}: ${held.busySources.get(s)}`).join('; ');
  return {
    skip: true,
    reason: 'source-locked',
    sources: busy,
    message: `sources are being extracted (${who})`,
  };
}

/** The sources a job runs: its own list, or every enabled source. */
export function jobSources(job: Pick<ScheduleJob, 'sources'>, enabledSources: readonly string[]): string[] {
  return job.sources ? [...job.sources] : [...enabledSources];
}
