/**
 * The scheduler room: pure decisions (decisions.ts), the foreground loop (loop.ts), the ledger,
 * locks, heartbeat, and printers for systemd and crontab. The CLI imports from here.
 */
export { systemClock, systemSleep, type Clock, type Sleep } from './clock.js';
export { compileCron, cronExtension, cronProblem, normalizeCron, CRON_NICKNAMES } from './cron.js';
export {
  catchUpDecision,
  decideDue,
  jobSources,
  missedRuns,
  nextRuns,
  shouldSkip,
  DEFAULT_GRACE_MS,
  MISSED_RUNS_LIMIT,
  type DueDecision,
  type HeldLocks,
  type MissedRuns,
  type SkipDecision,
} from './decisions.js';
export { SchedulerBusy } from './errors.js';
export type { ScheduleEvent, ScheduleEventListener, ScheduleEventType } from './events.js';
export { DEFAULT_HEARTBEAT_MS, heartbeatStale, readHeartbeat, type HeartbeatRecord } from './heartbeat.js';
export { LedgerStore, readLedger, type JobOutcome, type LedgerEntry, type ScheduleLedger } from './ledger.js';
export { listJobs, listingTable, zonedText, type JobListing } from './list.js';
export {
  runScheduler,
  DEFAULT_MAX_SLEEP_MS,
  DEFAULT_STOP_TIMEOUT_MS,
  type SchedulerOptions,
  type SchedulerResult,
} from './loop.js';
export { onCalendar, type CalendarTranslation } from './oncalendar.js';
export { printCrontab, type CrontabOptions } from './crontab.js';
export type { RunJob, RunJobContext, RunJobResult, SchedulerLog } from './run-job.js';
export { lockScheduler, type SchedulerLock } from './scheduler-lock.js';
export { isLocked, lockedSources, sourceLockHolder } from './source-locks.js';
export { classifyExit, spawnJobRunner, DEFAULT_KILL_AFTER_MS, type SpawnJobOptions } from './spawn-job.js';
export { printSystemd, unitsText, type PrintOptions, type SystemdUnits, type UnitFile } from './systemd.js';
