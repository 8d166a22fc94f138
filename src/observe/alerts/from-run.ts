/**
 * A finished run record → the alerts it raises. Pure: the previous outcomes (for recovery) come in
 * and the new ones go out, so the caller owns the state file.
 *
 * Per source: a failed critical check → validation_critical (which explains the source's failure,
 * so no run_failure as well); otherwise a failed source → run_failure; a row_count anomaly check
 * that warned or failed → row_count_anomaly; a freshness check that warned or failed → freshness;
 * a source that failed last time and succeeded now → recovery. Per run: a failure no source
 * explains → run_failure; a duration over `alerts.sla` → sla.
 */
import type { FailedCheck, RunSummary, SourceResult } from '../../pipeline/summary.js';
import { alertEvent, worstSeverity, type AlertEvent, type AlertSeverity } from './event.js';

/** What a (job or command, source) last did; `*` stands for the run as a whole. */
export interface OutcomeRecord {
  status: 'succeeded' | 'failed';
  run_id: string;
  at: string;
}

export interface FromRunOptions {
  /** `alerts.sla` in milliseconds; no sla alert when absent. */
  slaMs?: number;
  /** Outcomes from earlier runs, by `outcomeKey`. */
  previous?: Readonly<Record<string, OutcomeRecord>>;
  /** Path of the run record (results/runs/<run_id>.json), when no HTML report names a better place. */
  file?: string;
  now?: Date;
}

export interface FromRunResult {
  events: AlertEvent[];
  /** Outcomes to remember, by `outcomeKey` (only the keys this run settled). */
  outcomes: Record<string, OutcomeRecord>;
}

const RUN = '*';

/** The key under which the last outcome of a source (or `*`, the run) of a job or command is kept. */
export function outcomeKey(run: Pick<RunSummary, 'job' | 'command'>, source: string): string {
  return `${run.job ?? run.command}|${source}`;
}

export function eventsFromRun(run: RunSummary, options: FromRunOptions = {}): FromRunResult {
  const now = options.now ?? new Date();
  const previous = options.previous ?? {};
  const base = {
    run_id: run.run_id,
    job: run.job,
    command: run.command,
    report: run.reports?.html ?? options.file,
  };
  const events: AlertEvent[] = [];
  const outcomes: Record<string, OutcomeRecord> = {};
  const who = run.job ? `job ${run.job}` : run.command;
  const settle = (source: string, status: OutcomeRecord['status']) => {
    const key = outcomeKey(run, source);
    outcomes[key] = { status, run_id: run.run_id, at: run.finished_at };
    return previous[key]?.status === 'failed' && status === 'succeeded' ? previous[key] : undefined;
  };
  const push = (e: Omit<Parameters<typeof alertEvent>[0], keyof typeof base>) =>
    events.push(alertEvent({ ...base, ...e }, now));

  let explained = false;
  for (const s of run.sources) {
    const checks = s.phases?.validate?.checks ?? [];
    const critical = checks.filter((c) => c.severity === 'critical' && ['fail', 'error'].includes(c.status));
    if (critical.length) {
      push({
        kind: 'validation_critical',
        severity: 'critical',
        source: s.source,
        title: `${who}: ${critical.length} critical check${critical.length === 1 ? '' : 's'} failed on ${s.source}`,
        details: checkDetails(s, critical),
      });
    } else if (s.status === 'failed') {
      push({
        kind: 'run_failure',
        severity: 'error',
        source: s.source,
        title: `${who}: source ${s.source} failed${failedPhase(s) ? ` in ${failedPhase(s)}` : ''}`,
        details: failureDetails(s),
      });
    }
    explained ||= s.status === 'failed';
    for (const [kind, matches] of [
      ['row_count_anomaly', checks.filter(isAnomaly)],
      ['freshness', checks.filter((c) => c.kind === 'freshness')],
    ] as const) {
      const raised = matches.filter((c) => c.status === 'fail' || c.status === 'warn');
      if (!raised.length) continue;
      push({
        kind,
        severity: worstSeverity(raised.map(checkSeverity)),
        source: s.source,
        title: `${who}: ${kind === 'freshness' ? 'data is stale' : 'row count is unusual'} for ${s.source}`,
        details: checkDetails(s, raised),
      });
    }
    if (s.status === 'interrupted') continue; // neither a failure nor a recovery: someone stopped it
    const was = settle(s.source, s.status);
    if (was) push(recovery(who, s.source, was));
  }

  if (run.status === 'failed' && !explained) {
    settle(RUN, 'failed');
    push({
      kind: 'run_failure',
      severity: 'error',
      title: `${who}: run failed`,
      details: {
        ...(run.error ? { error: firstLine(run.error) } : {}),
        ...(run.hint ? { hint: run.hint } : {}),
      },
    });
  } else if (run.status === 'succeeded') {
    const was = settle(RUN, 'succeeded');
    if (was && !events.some((e) => e.kind === 'recovery')) push(recovery(who, undefined, was));
  }

  const duration = run.duration_ms ?? Date.parse(run.finished_at) - Date.parse(run.started_at);
  if (options.slaMs !== undefined && duration > options.slaMs) {
    push({
      kind: 'sla',
      severity: 'warn',
      title: `${who}: run took ${minutes(duration)}, over its SLA of ${minutes(options.slaMs)}`,
      details: { duration_ms: duration, sla_ms: options.slaMs, status: run.status },
    });
  }
  return { events, outcomes };
}

function recovery(who: string, source: string | undefined, was: OutcomeRecord) {
  return {
    kind: 'recovery' as const,
    severity: 'info' as const,
    source,
    title: `${who}: ${source ? `source ${source}` : 'run'} succeeded again`,
    details: { failed_run: was.run_id, failed_at: was.at },
  };
}

/** The anomaly result of a row_count check: its id ends in `.anomaly` (validate/row-count.ts). */
function isAnomaly(c: FailedCheck): boolean {
  return c.kind === 'row_count' && (c.id.endsWith('.anomaly') || /trailing median/.test(c.message));
}

/** A check that warned is a warning whatever its configured severity; one that failed has its severity. */
function checkSeverity(c: FailedCheck): AlertSeverity {
  if (c.status === 'warn') return 'warn';
  return (['info', 'warn', 'error', 'critical'] as const).find((s) => s === c.severity) ?? 'error';
}

function checkDetails(s: SourceResult, checks: FailedCheck[]): Record<string, string | number> {
  const first = checks[0]!;
  return {
    checks: checks.map((c) => c.id).join(', '),
    failed_checks: checks.length,
    failed_rows: checks.reduce((n, c) => n + c.failed, 0),
    rows: s.rows,
    message: first.message,
  };
}

function failureDetails(s: SourceResult): Record<string, string | number> {
  return {
    ...(s.error ? { error: firstLine(s.error) } : {}),
    ...(s.hint ? { hint: s.hint } : {}),
    rows: s.rows,
    duration_ms: s.duration_ms,
  };
}

function failedPhase(s: SourceResult): string | undefined {
  return Object.entries(s.phases ?? {}).find(([, p]) => p?.status === 'failed')?.[0];
}

const firstLine = (text: string): string => text.split('\n')[0] ?? '';

function minutes(ms: number): string {
  return ms < 120_000 ? `${Math.round(ms / 1000)} s` : `${Math.round(ms / 60_000)} min`;
}
