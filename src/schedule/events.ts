/**
 * The scheduler's typed events, in the style of the pipeline's (src/observe/events.ts): the loop
 * emits them and does not know who listens. Alerts listen for `job-missed` (a missed schedule) and
 * `job-late`; metrics for `scheduler-heartbeat` and `job-finished`. Names, times and counts only.
 */
import type { ScheduleMode } from '../config/schedule-schema.js';

interface Base {
  /** ISO 8601 instant the event was emitted (the scheduler's clock). */
  at: string;
}

interface JobBase extends Base {
  job: string;
  /** The scheduled run time (ISO) this event is about. */
  scheduled_for: string;
}

export type ScheduleEvent =
  | (Base & { type: 'scheduler-started'; pid: number; host: string; jobs: string[] })
  | (JobBase & {
      type: 'job-started';
      sources: string[];
      mode?: ScheduleMode;
      /** A late run: missed during downtime, a suspend or a clock jump, caught up once. */
      catch_up: boolean;
    })
  | (JobBase & {
      type: 'job-finished';
      status: 'succeeded' | 'failed' | 'interrupted';
      exit_code: number;
      run_id?: string;
      duration_ms: number;
    })
  | (JobBase & {
      type: 'job-skipped';
      reason: 'still-running' | 'source-locked';
      message: string;
      sources?: string[];
    })
  | (JobBase & {
      type: 'job-missed';
      /** caught-up: one run was started for the newest; not-run: nothing was started. */
      action: 'caught-up' | 'not-run';
      reason: 'downtime' | 'catch-up-disabled' | 'too-old';
      /** How many scheduled times were missed (at least this many when `truncated`). */
      count: number;
      truncated: boolean;
      first: string;
    })
  | (JobBase & {
      type: 'job-late';
      /** The job's sla or timeout was passed while the run was going. */
      kind: 'sla' | 'timeout';
      running_ms: number;
    })
  | (Base & {
      type: 'scheduler-heartbeat';
      running: string[];
      next?: { job: string; at: string };
    })
  | (Base & { type: 'scheduler-stopped'; reason: 'signal'; interrupted: string[]; abandoned: string[] });

export type ScheduleEventType = ScheduleEvent['type'];
export type ScheduleEventListener = (event: ScheduleEvent) => void;
