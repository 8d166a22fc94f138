/**
 * How each scheduler decision changes a job's ledger entry, as pure functions. The rule that
 * matters for catch-up: a run that finished, a skip and a reported miss settle their run time;
 * a run stopped by a signal does not, so the next start catches it up and it resumes.
 */
import type { JobOutcome, LedgerEntry } from './ledger.js';
import type { RunJobResult } from './run-job.js';

/** A run was started: it is in flight until it ends. */
export function started(entry: LedgerEntry, scheduledFor: Date, now: Date, catchUp: boolean): LedgerEntry {
  return {
    ...entry,
    in_flight: {
      scheduled_for: scheduledFor.toISOString(),
      started_at: now.toISOString(),
      catch_up: catchUp,
    },
  };
}

/** A run ended (or was skipped): its time is settled. */
export function settled(
  entry: LedgerEntry,
  scheduledFor: Date,
  result: RunJobResult,
  now: Date,
  reason?: string,
): LedgerEntry {
  const iso = scheduledFor.toISOString();
  return {
    ...entry,
    settled_until: later(entry.settled_until, iso),
    in_flight: entry.in_flight?.scheduled_for === iso ? undefined : entry.in_flight,
    last_outcome: outcome(scheduledFor, result, now, reason),
  };
}

/** A run was stopped by a signal: recorded, not settled. */
export function interrupted(
  entry: LedgerEntry,
  scheduledFor: Date,
  result: RunJobResult,
  now: Date,
): LedgerEntry {
  return {
    ...entry,
    in_flight: undefined,
    last_outcome: outcome(scheduledFor, result, now, 'stopped before it finished'),
  };
}

/** Missed run times were reported, not run: settled up to the newest. */
export function missed(
  entry: LedgerEntry,
  latest: Date,
  now: Date,
  reason: string,
  count: number,
): LedgerEntry {
  return {
    ...entry,
    settled_until: later(entry.settled_until, latest.toISOString()),
    in_flight: undefined,
    last_outcome: {
      status: 'missed',
      scheduled_for: latest.toISOString(),
      at: now.toISOString(),
      reason,
      count,
    },
  };
}

function outcome(scheduledFor: Date, result: RunJobResult, now: Date, reason?: string): JobOutcome {
  return {
    status: result.status,
    scheduled_for: scheduledFor.toISOString(),
    at: now.toISOString(),
    exit_code: result.exitCode,
    ...(result.runId ? { run_id: result.runId } : {}),
    ...(reason ? { reason } : {}),
  };
}

/** The later of two ISO instants (same format, so text order is time order). */
function later(a: string | undefined, b: string): string {
  return a !== undefined && a > b ? a : b;
}
