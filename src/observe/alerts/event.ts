/**
 * What an alert is about, before any channel formats it. An event carries names, counts and paths
 * (run id, job, source, check ids, row counts, the report's path) — never a cell value or a secret.
 */
import { ALERT_SEVERITIES, type AlertKind, type AlertSeverity } from '../../config/alerts-schema.js';

export type { AlertKind, AlertSeverity };

/** Every kind an event can have: the routable kinds plus `test`. */
export type AlertEventKind = AlertKind | 'test';

export interface AlertEvent {
  kind: AlertEventKind;
  severity: AlertSeverity;
  /** One line a person reads first. */
  title: string;
  run_id?: string;
  /** The scheduled job, when the run belongs to one. */
  job?: string;
  /** The command that ran (run | extract | validate), when there is no job. */
  command?: string;
  source?: string;
  /** Counts and names only: rows, failed checks, durations, the error's first line (already redacted). */
  details: Record<string, string | number>;
  /** Where to look: the HTML report or the run record. */
  report?: string;
  /** ISO 8601 instant the condition was observed. */
  at: string;
  /** Events with the same key are the same alert for throttling: kind, job (or command) and source. */
  dedupe_key: string;
}

/** The key that makes two events "the same alert" for deduplication. */
export function dedupeKey(
  kind: AlertEventKind,
  scope: string | undefined,
  source: string | undefined,
): string {
  return `${kind}|${scope ?? ''}|${source ?? ''}`;
}

/** Whether `severity` is at least `floor` (info < warn < error < critical). */
export function atLeast(severity: AlertSeverity, floor: AlertSeverity): boolean {
  return ALERT_SEVERITIES.indexOf(severity) >= ALERT_SEVERITIES.indexOf(floor);
}

/** The most severe of `severities` (info when empty). */
export function worstSeverity(severities: Iterable<AlertSeverity>): AlertSeverity {
  let worst = 0;
  for (const s of severities) worst = Math.max(worst, ALERT_SEVERITIES.indexOf(s));
  return ALERT_SEVERITIES[worst]!;
}

export type AlertEventInput = Omit<AlertEvent, 'dedupe_key' | 'details' | 'at'> &
  Partial<Pick<AlertEvent, 'details' | 'at'>>;

/** An event with its dedupe key filled in from kind, job (or command) and source. */
export function alertEvent(input: AlertEventInput, now: Date = new Date()): AlertEvent {
  return {
    ...input,
    details: input.details ?? {},
    at: input.at ?? now.toISOString(),
    dedupe_key: dedupeKey(input.kind, input.job ?? input.command, input.source),
  };
}

/**
 * The scheduler's event for a job that did not run when it should have (the machine was off, the
 * previous run overran, the scheduler was down).
 */
export function missedScheduleEvent(
  job: string,
  missed: { due: string; count?: number; reason?: string },
  now: Date = new Date(),
): AlertEvent {
  const count = missed.count ?? 1;
  return alertEvent(
    {
      kind: 'missed_schedule',
      severity: 'error',
      job,
      title: `job ${job} missed ${count === 1 ? 'its scheduled run' : `${count} scheduled runs`} (due ${missed.due})`,
      details: { due: missed.due, missed_runs: count, ...(missed.reason ? { reason: missed.reason } : {}) },
    },
    now,
  );
}

/**
 * A scheduled job still running past its `sla` (warn: it may yet finish) or stopped at its
 * `timeout` (error: it did not; the next run resumes it). Sent while it happens, by the scheduler:
 * the run's own alerts come only when it ends, and a run stopped at its timeout ends interrupted.
 */
export function lateJobEvent(
  job: string,
  late: { kind: 'sla' | 'timeout'; scheduled_for: string; running_ms: number },
  now: Date = new Date(),
): AlertEvent {
  const minutes = Math.round(late.running_ms / 60_000);
  return alertEvent(
    {
      kind: 'sla',
      severity: late.kind === 'timeout' ? 'error' : 'warn',
      job,
      title:
        late.kind === 'timeout'
          ? `job ${job} (due ${late.scheduled_for}) was stopped at its timeout after ${minutes} min; the next run resumes it`
          : `job ${job} (due ${late.scheduled_for}) is still running after ${minutes} min, past its SLA`,
      details: { due: late.scheduled_for, running_ms: late.running_ms, deadline: late.kind },
    },
    now,
  );
}

/** The message `moh-etl alert test` sends. */
export function testEvent(channel: string, now: Date = new Date()): AlertEvent {
  return alertEvent(
    {
      kind: 'test',
      severity: 'info',
      title: `test message from moh-etl to channel ${channel}`,
      details: { channel },
    },
    now,
  );
}
