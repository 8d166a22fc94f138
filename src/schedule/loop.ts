/**
 * `moh-etl schedule` in the foreground (systemd, a container): take the scheduler lock, catch up
 * what was missed while down, then sleep until the next due job and start it through `runJob`.
 * A job is never stacked on its own running run, and is skipped (logged, recorded) when another
 * process holds one of its sources. Sleeps are capped (default 60 s) so a changed wall clock or a
 * suspend is noticed. On abort (SIGTERM/SIGINT) it starts nothing more, asks running jobs to stop
 * at their next part boundary, waits up to a bound, and returns.
 */
import { hostname } from 'node:os';
import type { ScheduleJob } from '../config/schedule-schema.js';
import { UsageError } from '../errors.js';
import { systemClock, systemSleep, type Clock, type Sleep } from './clock.js';
import { compileCron } from './cron.js';
import { DEFAULT_GRACE_MS, decideDue, jobSources, shouldSkip, type DueDecision } from './decisions.js';
import type { ScheduleEvent, ScheduleEventListener } from './events.js';
import { DEFAULT_HEARTBEAT_MS, heartbeatRecord, writeHeartbeat, type HeartbeatRecord } from './heartbeat.js';
import { LedgerStore } from './ledger.js';
import * as entries from './ledger-entries.js';
import { silentLog, type RunJob, type RunJobResult, type SchedulerLog } from './run-job.js';
import { RunningJobs, type RunningJob } from './running.js';
import { lockScheduler } from './scheduler-lock.js';
import { lockedSources } from './source-locks.js';

export interface SchedulerOptions {
  /** The configured jobs; disabled ones are ignored. */
  jobs: Record<string, ScheduleJob>;
  /** Enabled source names: what a job without `sources` runs. */
  enabledSources: readonly string[];
  /** extraction.state_dir, where the per-source locks are. */
  stateDir: string;
  /** The ledger of settled and in-flight runs (the CLI uses data/state/schedule.json). */
  ledgerFile: string;
  /** Rewritten every `heartbeatMs` (the CLI uses data/state/scheduler.heartbeat.json). */
  heartbeatFile: string;
  /** One scheduler per project (the CLI uses data/state/scheduler.lock). */
  lockFile: string;
  runJob: RunJob;
  /** Default: the system clock. */
  clock?: Clock;
  /** Default: a real timer that an abort ends early. */
  sleep?: Sleep;
  log?: SchedulerLog;
  /** Aborting it stops the scheduler (the CLI aborts on SIGTERM and SIGINT). */
  signal?: AbortSignal;
  onEvent?: ScheduleEventListener;
  /** Default 30 s. */
  heartbeatMs?: number;
  /** Longest single sleep, so clock changes are noticed. Default 60 s. */
  maxSleepMs?: number;
  /** How long to wait for running jobs after a stop request. Default 60 s. */
  stopTimeoutMs?: number;
  /** A due run this late still counts as on time (not a catch-up). Default 2 min. */
  graceMs?: number;
}

export interface SchedulerResult {
  exitCode: 0;
  /** Jobs that were running at the stop and ended in time (they resume at the next start). */
  interrupted: string[];
  /** Jobs still running when the stop bound passed. */
  abandoned: string[];
}

export const DEFAULT_MAX_SLEEP_MS = 60_000;
export const DEFAULT_STOP_TIMEOUT_MS = 60_000;

/** Run the scheduler until `signal` aborts. Throws SchedulerBusy when another scheduler holds the lock. */
export async function runScheduler(options: SchedulerOptions): Promise<SchedulerResult> {
  const jobs = Object.entries(options.jobs).filter(([, j]) => j.enabled);
  if (jobs.length === 0) {
    throw new UsageError('no enabled schedules: add a job under schedules: in config/database.yml', {
      hint: 'moh-etl schedule --list shows the configured jobs',
    });
  }
  const lock = lockScheduler(options.lockFile);
  try {
    const ledger = await LedgerStore.open(options.ledgerFile);
    return await new SchedulerLoop(options, jobs, ledger).run();
  } finally {
    lock.release();
  }
}

class SchedulerLoop {
  readonly #clock: Clock;
  readonly #sleep: Sleep;
  readonly #log: SchedulerLog;
  readonly #signal: AbortSignal;
  readonly #running = new RunningJobs();
  /** Per job: run times up to here are decided (started, skipped or reported). */
  readonly #cursor = new Map<string, Date>();
  readonly #nextDue = new Map<string, Date | null>();
  readonly #interrupted: string[] = [];
  readonly #startedAt: Date;

  constructor(
    private readonly options: SchedulerOptions,
    private readonly jobs: [string, ScheduleJob][],
    private readonly ledger: LedgerStore,
  ) {
    this.#clock = options.clock ?? systemClock;
    this.#sleep = options.sleep ?? systemSleep;
    this.#log = options.log ?? silentLog;
    this.#signal = options.signal ?? new AbortController().signal;
    this.#startedAt = this.#clock.now();
  }

  async run(): Promise<SchedulerResult> {
    this.#restoreCursors();
    this.#emit({
      type: 'scheduler-started',
      pid: process.pid,
      host: hostname(),
      jobs: this.jobs.map(([n]) => n),
    });
    this.#log.info({ jobs: this.jobs.map(([n]) => n) }, 'scheduler started');
    const heartbeatMs = this.options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
    let nextHeartbeat = 0;
    while (!this.#signal.aborted) {
      const now = this.#clock.now();
      for (const [name, job] of this.jobs) this.#considerJob(name, job, now);
      this.#checkDeadlines(now);
      if (now.getTime() >= nextHeartbeat) {
        await this.#heartbeat(now, 'running');
        nextHeartbeat = now.getTime() + heartbeatMs;
      }
      await this.#flushLedger();
      const wake = Math.min(
        nextHeartbeat,
        now.getTime() + (this.options.maxSleepMs ?? DEFAULT_MAX_SLEEP_MS),
        this.#running.nextDeadline() ?? Infinity,
        ...[...this.#nextDue.values()].map((d) => d?.getTime() ?? Infinity),
      );
      await this.#sleep(Math.max(0, wake - now.getTime()), this.#signal);
    }
    return this.#stop();
  }

  /** Where each job's decisions resume: the ledger's settled time, or now for a job never seen. */
  #restoreCursors(): void {
    const now = this.#clock.now();
    for (const [name, job] of this.jobs) {
      const entry = this.ledger.entry(name);
      if (entry.in_flight) {
        this.#log.warn(
          { job: name, scheduled_for: entry.in_flight.scheduled_for },
          'the scheduler stopped during a run of this job; it counts as missed and is caught up',
        );
      }
      const settled = entry.settled_until ? new Date(entry.settled_until) : undefined;
      // Just before an in-flight run with nothing settled (killed before the first write landed).
      const inFlight = entry.in_flight && new Date(Date.parse(entry.in_flight.scheduled_for) - 1);
      const cursor = settled ?? inFlight ?? now;
      this.#cursor.set(name, cursor);
      // A job seen for the first time starts from now; record that, so downtime before its
      // first run is still noticed at the next start.
      if (!settled) this.ledger.update(name, (e) => ({ ...e, settled_until: now.toISOString() }));
      this.#nextDue.set(name, compileCron(job.cron, job.timezone).nextRun(cursor));
    }
  }

  #considerJob(name: string, job: ScheduleJob, now: Date): void {
    const due = this.#nextDue.get(name);
    if (!due || due.getTime() > now.getTime()) return;
    const decision = decideDue(job, this.#cursor.get(name)!, now, this.options.graceMs ?? DEFAULT_GRACE_MS);
    if (decision.action === 'none') return;
    const latest = decision.missed.latest!;
    this.#cursor.set(name, latest);
    this.#nextDue.set(name, compileCron(job.cron, job.timezone).nextRun(latest));
    if (decision.action === 'report') return this.#reportMissed(name, decision, now);
    if (decision.catchUp) this.#reportMissed(name, decision, now);
    this.#startOrSkip(name, job, decision.scheduledFor, decision.catchUp, now);
  }

  #reportMissed(name: string, decision: Exclude<DueDecision, { action: 'none' }>, now: Date): void {
    const { missed } = decision;
    const caughtUp = decision.action === 'run';
    const reason = decision.action === 'report' ? decision.reason : 'downtime';
    const event = {
      type: 'job-missed',
      job: name,
      scheduled_for: missed.latest!.toISOString(),
      action: caughtUp ? 'caught-up' : 'not-run',
      reason,
      count: missed.count,
      truncated: missed.truncated,
      first: (missed.times[0] ?? missed.latest!).toISOString(),
    } as const;
    this.#emit(event);
    const fields = {
      job: name,
      count: missed.count,
      first: event.first,
      latest: event.scheduled_for,
      reason,
    };
    if (caughtUp) this.#log.info(fields, 'missed run times: catching up once with the newest');
    else {
      this.#log.warn(fields, 'missed run times: not run');
      this.ledger.update(name, (e) => entries.missed(e, missed.latest!, now, reason, missed.count));
    }
  }

  #startOrSkip(name: string, job: ScheduleJob, scheduledFor: Date, catchUp: boolean, now: Date): void {
    const sources = jobSources(job, this.options.enabledSources);
    const busy = this.#running.busySources();
    for (const [s, holder] of lockedSources(this.options.stateDir, sources))
      if (!busy.has(s)) busy.set(s, holder);
    const skip = shouldSkip(name, sources, { runningJobs: this.#running.names(), busySources: busy });
    const iso = scheduledFor.toISOString();
    if (skip.skip) {
      this.#log.warn({ job: name, scheduled_for: iso, reason: skip.reason }, `skipped: ${skip.message}`);
      this.#emit({
        type: 'job-skipped',
        job: name,
        scheduled_for: iso,
        reason: skip.reason,
        message: skip.message,
        ...(skip.reason === 'source-locked' ? { sources: skip.sources } : {}),
      });
      const result = { status: 'skipped', exitCode: 0 } as const;
      this.ledger.update(name, (e) => entries.settled(e, scheduledFor, result, now, skip.message));
      return;
    }
    const run: RunningJob = {
      name,
      job,
      sources,
      scheduledFor,
      startedAt: now,
      catchUp,
      controller: new AbortController(),
      done: Promise.resolve(),
    };
    this.#running.add(run);
    this.ledger.update(name, (e) => entries.started(e, scheduledFor, now, catchUp));
    this.#log.info({ job: name, scheduled_for: iso, catch_up: catchUp, sources }, 'job started');
    this.#emit({
      type: 'job-started',
      job: name,
      scheduled_for: iso,
      sources,
      mode: job.mode,
      catch_up: catchUp,
    });
    run.done = this.#execute(run);
  }

  async #execute(run: RunningJob): Promise<void> {
    let result: RunJobResult;
    try {
      result = await this.options.runJob(run.name, run.job, {
        signal: run.controller.signal,
        scheduledFor: run.scheduledFor,
        catchUp: run.catchUp,
        sources: run.sources,
      });
    } catch (e) {
      // A runner that throws is a bug or a spawn failure; the scheduler keeps going.
      this.#log.error({ job: run.name, err: e }, 'the job runner failed');
      result = { status: 'failed', exitCode: 1 };
    }
    this.#running.delete(run.name);
    const now = this.#clock.now();
    const iso = run.scheduledFor.toISOString();
    if (result.status === 'skipped') {
      const message = 'the run declined to start (a source was busy)';
      this.#emit({
        type: 'job-skipped',
        job: run.name,
        scheduled_for: iso,
        reason: 'source-locked',
        message,
      });
    } else {
      this.#emit({
        type: 'job-finished',
        job: run.name,
        scheduled_for: iso,
        status: result.status,
        exit_code: result.exitCode,
        ...(result.runId ? { run_id: result.runId } : {}),
        duration_ms: now.getTime() - run.startedAt.getTime(),
      });
    }
    const level = result.status === 'succeeded' || result.status === 'interrupted' ? 'info' : 'warn';
    this.#log[level](
      { job: run.name, scheduled_for: iso, status: result.status, exit_code: result.exitCode },
      'job finished',
    );
    // Stopped by a signal: not settled, so the next start catches it up and the run resumes.
    if (result.status === 'interrupted' && run.stopReason !== 'timeout') {
      this.#interrupted.push(run.name);
      this.ledger.update(run.name, (e) => entries.interrupted(e, run.scheduledFor, result, now));
      return;
    }
    const reason = run.stopReason === 'timeout' ? 'timeout' : undefined;
    this.ledger.update(run.name, (e) => entries.settled(e, run.scheduledFor, result, now, reason));
  }

  #checkDeadlines(now: Date): void {
    for (const run of this.#running.all()) {
      for (const d of this.#running.deadlines(run)) {
        if (d.at > now.getTime()) continue;
        if (d.kind === 'timeout') {
          run.stopReason = 'timeout';
          run.controller.abort('timeout');
        } else run.slaReported = true;
        this.#log.warn({ job: run.name, kind: d.kind }, `job passed its ${d.kind}`);
        this.#emit({
          type: 'job-late',
          job: run.name,
          scheduled_for: run.scheduledFor.toISOString(),
          kind: d.kind,
          running_ms: now.getTime() - run.startedAt.getTime(),
        });
      }
    }
  }

  async #stop(): Promise<SchedulerResult> {
    const stopping = this.#running.all();
    this.#log.info({ running: stopping.map((r) => r.name) }, 'stopping: asking running jobs to stop');
    await this.#heartbeat(this.#clock.now(), 'stopping');
    this.#running.abortAll('signal');
    const bound = new AbortController();
    await Promise.race([
      Promise.all(stopping.map((r) => r.done)),
      this.#sleep(this.options.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS, bound.signal),
    ]);
    bound.abort();
    const abandoned = this.#running.all().map((r) => r.name);
    if (abandoned.length) this.#log.error({ jobs: abandoned }, 'jobs still running at the stop bound');
    await this.#heartbeat(this.#clock.now(), 'stopped');
    await this.#flushLedger();
    const interrupted = [...this.#interrupted];
    this.#emit({ type: 'scheduler-stopped', reason: 'signal', interrupted, abandoned });
    this.#log.info({ interrupted, abandoned }, 'scheduler stopped');
    return { exitCode: 0, interrupted, abandoned };
  }

  async #heartbeat(now: Date, state: HeartbeatRecord['state']): Promise<void> {
    const next = this.#nextJob();
    const running = this.#running.all().map((r) => r.name);
    this.#emit({ type: 'scheduler-heartbeat', running, ...(next ? { next } : {}) });
    try {
      await writeHeartbeat(
        this.options.heartbeatFile,
        heartbeatRecord({
          at: now.toISOString(),
          started_at: this.#startedAt.toISOString(),
          interval_ms: this.options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS,
          ...(next ? { next } : {}),
          running: this.#running.all().map((r) => ({
            job: r.name,
            scheduled_for: r.scheduledFor.toISOString(),
            started_at: r.startedAt.toISOString(),
          })),
          state,
        }),
      );
    } catch (e) {
      this.#log.warn({ err: e, file: this.options.heartbeatFile }, 'cannot write the heartbeat file');
    }
  }

  #nextJob(): { job: string; at: string } | undefined {
    let best: { job: string; at: Date } | undefined;
    for (const [job, at] of this.#nextDue) if (at && (!best || at < best.at)) best = { job, at };
    return best && { job: best.job, at: best.at.toISOString() };
  }

  async #flushLedger(): Promise<void> {
    try {
      await this.ledger.flush();
    } catch (e) {
      this.#log.error({ err: e, file: this.ledger.file }, 'cannot write the schedule ledger');
    }
  }

  #emit(event: DistributiveOmit<ScheduleEvent, 'at'>): void {
    if (!this.options.onEvent) return;
    try {
      this.options.onEvent({ ...event, at: this.#clock.now().toISOString() });
    } catch (e) {
      // Listeners observe; a failing one never steers the scheduler.
      this.#log.warn({ err: e }, 'a schedule event listener failed');
    }
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
