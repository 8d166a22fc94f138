/**
 * The seam between the scheduler and a run: the loop decides when, a `RunJob` does the run. The
 * CLI's runner spawns `moh-etl run --job NAME` as a child process (spawn-job.ts), so months of
 * running never accumulate state in the scheduler and a crashing run cannot take it down; tests
 * pass a function.
 */
import type { ScheduleJob } from '../config/schedule-schema.js';

export interface RunJobContext {
  /** Aborted when the scheduler stops (SIGTERM/SIGINT) or the job's timeout passes: stop at the next part boundary. */
  signal: AbortSignal;
  /** The scheduled run time: resolve range expressions against it, not against "now". */
  scheduledFor: Date;
  /** A late run (missed during downtime, a suspend or a clock jump), caught up once. */
  catchUp: boolean;
  /** The sources the job runs (its own list, or every enabled source). */
  sources: string[];
}

export interface RunJobResult {
  /**
   * interrupted: stopped early on request (it checkpointed; the next start resumes it);
   * skipped: the run declined to start (e.g. it found a source busy).
   */
  status: 'succeeded' | 'failed' | 'interrupted' | 'skipped';
  exitCode: number;
  runId?: string;
}

export type RunJob = (jobName: string, job: ScheduleJob, context: RunJobContext) => Promise<RunJobResult>;

/** The slice of a logger the scheduler uses (pino's Logger fits). */
export interface SchedulerLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export const silentLog: SchedulerLog = { info() {}, warn() {}, error() {} };
