/**
 * What one simulated day did, gathered as it happens and checked afterwards (so a failure still
 * prints every day that ran): the scheduled run and any retry, the webhook requests that arrived,
 * the ledger entry, the alert throttle, and how data/processed compares with the source.
 */
import { readFileSync } from 'node:fs';
import type { LedgerEntry } from '../../../src/schedule/index.js';
import type { JobRun } from './job-runner.js';
import type { DayKind } from './plan.js';
import type { Difference } from './processed.js';
import type { SimSource } from './project.js';

export interface DayReport {
  day: number;
  kind: DayKind;
  scheduledFor: string;
  run?: JobRun;
  /** The operator's retry by hand (the permanent fault's day). */
  retry?: JobRun;
  /** Webhook request bodies that arrived during the day. */
  alerts: unknown[];
  /** Rows the demo inserted that day (late lab results included), per source. */
  inserted: Record<SimSource, number>;
  /** Rows the demo deleted that day (before inserting the day's rows), per source. */
  deleted: Record<SimSource, number>;
  ledger?: LedgerEntry;
  /** Alert dedupe keys with repeats held back, after the retry. */
  suppressed?: Record<string, number>;
  differences: Difference[];
}

/** A webhook body reduced to what the test decides on: kinds, sources, job and run of its events. */
export function alertShape(body: unknown) {
  const b = body as { events: { kind: string; source?: string; job?: string; run_id?: string }[] };
  return {
    kinds: b.events.map((e) => e.kind),
    sources: b.events.map((e) => e.source),
    job: b.events[0]?.job,
    run: b.events[0]?.run_id,
  };
}

/** Alert dedupe keys with repeats held back, from the alert state file. */
export function suppressedAlerts(stateFile: string): Record<string, number> {
  const state = JSON.parse(readFileSync(stateFile, 'utf8')) as {
    channels: Record<string, { keys: Record<string, { suppressed: number }> }>;
  };
  const out: Record<string, number> = {};
  for (const ledger of Object.values(state.channels))
    for (const [key, k] of Object.entries(ledger.keys)) if (k.suppressed > 0) out[key] = k.suppressed;
  return out;
}

/** The day in one line for the test log. */
export function dayLine(r: DayReport): string {
  const run = r.run;
  const rows = run?.record?.sources.map((s) => `${s.source} ${s.rows}`).join(', ') ?? 'no record';
  const fault = run?.fault === undefined ? '' : ` killed after ${describeFault(run.fault)};`;
  const retry = r.retry ? ` retry by hand ${r.retry.result.status} (${r.retry.ms} ms);` : '';
  const off = r.differences.filter((d) => d.missing || d.changed || d.duplicates || d.unknown);
  const deleted = r.differences.reduce((n, d) => n + d.deleted, 0);
  const data = off.length
    ? `processed differs: ${off.map((d) => `${d.source} ${d.missing} missing, ${d.changed} changed, ${d.duplicates} twice, ${d.unknown} unknown`).join('; ')}`
    : `processed = source${deleted ? ` (+${deleted} rows the source deleted)` : ''}`;
  const titles = r.alerts.map((a) => JSON.stringify((a as { title?: string }).title));
  const alerts = titles.length ? `alerts ${titles.join(', ')}` : 'no alert';
  return (
    `day ${String(r.day).padStart(2)} ${r.kind.padEnd(9)} ${r.scheduledFor} ${run?.result.status ?? 'no run'} ` +
    `in ${run?.ms ?? 0} ms (rows: ${rows});${fault}${retry} ${alerts}; ${data}`
  );
}

function describeFault(fault: NonNullable<JobRun['fault']>): string {
  return fault === 'did not land' ? 'nothing (the kill did not land)' : `${fault.parts} part(s)`;
}
