/**
 * The runs the scheduler has started and not yet seen finish: their abort controllers, their
 * deadlines (timeout, sla), and the sources they hold, so a second job on the same source is
 * skipped before its run would fail on the lock.
 */
import { parseDuration } from '../config/duration.js';
import type { ScheduleJob } from '../config/schedule-schema.js';

export interface RunningJob {
  name: string;
  job: ScheduleJob;
  sources: string[];
  scheduledFor: Date;
  startedAt: Date;
  catchUp: boolean;
  controller: AbortController;
  /** Settles (never rejects) when the run has ended and its outcome is recorded. */
  done: Promise<void>;
  /** Why the scheduler aborted it, if it did. */
  stopReason?: 'signal' | 'timeout';
  slaReported?: boolean;
}

export type Deadline = { kind: 'timeout' | 'sla'; at: number };

export class RunningJobs {
  readonly #runs = new Map<string, RunningJob>();

  add(run: RunningJob): void {
    this.#runs.set(run.name, run);
  }

  delete(name: string): void {
    this.#runs.delete(name);
  }

  get size(): number {
    return this.#runs.size;
  }

  names(): Set<string> {
    return new Set(this.#runs.keys());
  }

  all(): RunningJob[] {
    return [...this.#runs.values()];
  }

  /** Each source held by a running job, with who holds it (for skip messages). */
  busySources(): Map<string, string> {
    const out = new Map<string, string>();
    for (const run of this.#runs.values())
      for (const s of run.sources) out.set(s, `job ${run.name} of this scheduler`);
    return out;
  }

  /** The timeout and sla deadlines not yet acted on, as epoch milliseconds. */
  deadlines(run: RunningJob): Deadline[] {
    const out: Deadline[] = [];
    const timeout = run.job.timeout === undefined ? undefined : parseDuration(run.job.timeout);
    if (timeout !== undefined && !run.stopReason)
      out.push({ kind: 'timeout', at: run.startedAt.getTime() + timeout });
    const sla = run.job.sla === undefined ? undefined : parseDuration(run.job.sla);
    if (sla !== undefined && !run.slaReported)
      out.push({ kind: 'sla', at: run.scheduledFor.getTime() + sla });
    return out;
  }

  /** The earliest pending deadline of any run, for the loop's next wake-up. */
  nextDeadline(): number | undefined {
    const all = this.all().flatMap((r) => this.deadlines(r).map((d) => d.at));
    return all.length ? Math.min(...all) : undefined;
  }

  /** Ask every run to stop; they record `interrupted` when they end. */
  abortAll(reason: 'signal'): void {
    for (const run of this.#runs.values()) {
      run.stopReason ??= reason;
      run.controller.abort(reason);
    }
  }
}
