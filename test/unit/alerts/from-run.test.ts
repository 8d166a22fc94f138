import { describe, expect, it } from 'vitest';
import { missedScheduleEvent } from '../../../src/observe/alerts/event.js';
import { eventsFromRun, outcomeKey, type OutcomeRecord } from '../../../src/observe/alerts/from-run.js';
import type { FailedCheck, RunSummary, SourceResult } from '../../../src/pipeline/summary.js';

const NOW = new Date('2025-03-01T02:00:00Z');

function source(name: string, over: Partial<SourceResult> = {}): SourceResult {
  return {
    source: name,
    status: 'succeeded',
    mode: 'incremental',
    rows: 100,
    files: [],
    duration_ms: 50,
    ...over,
  };
}

function run(sources: SourceResult[], over: Partial<RunSummary> = {}): RunSummary {
  return {
    run_id: '20250301T010000Z-abcd',
    command: 'run',
    job: 'nightly',
    status: sources.some((s) => s.status === 'failed') ? 'failed' : 'succeeded',
    started_at: '2025-03-01T01:00:00Z',
    finished_at: '2025-03-01T01:10:00Z',
    sources,
    ...over,
  };
}

function check(over: Partial<FailedCheck>): FailedCheck {
  return {
    id: 'c',
    kind: 'not_null',
    severity: 'error',
    status: 'fail',
    failed: 3,
    rows: 100,
    message: '3 of 100 rows fail',
    ...over,
  };
}

const validated = (checks: FailedCheck[]) => ({
  phases: { validate: { status: 'succeeded' as const, rows_in: 100, rows_out: 100, duration_ms: 5, checks } },
});

describe('eventsFromRun', () => {
  it('raises run_failure per failed source with its error, hint and counts, and the report path', () => {
    const r = run(
      [
        source('attendances', {
          status: 'failed',
          rows: 0,
          error: 'connect ECONNREFUSED\nstack…',
          hint: 'moh-etl check',
        }),
        source('labs'),
      ],
      {
        reports: { directory: 'results/validation/x', html: 'results/validation/x/report.html' },
      },
    );
    const { events } = eventsFromRun(r, { now: NOW, file: 'results/runs/x.json' });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      kind: 'run_failure',
      severity: 'error',
      source: 'attendances',
      run_id: r.run_id,
      job: 'nightly',
      report: 'results/validation/x/report.html',
      details: { error: 'connect ECONNREFUSED', hint: 'moh-etl check', rows: 0 },
      dedupe_key: 'run_failure|nightly|attendances',
    });
    expect(events[0]!.title).toBe('job nightly: source attendances failed');
  });

  it('reports a failed critical check as validation_critical, not also as run_failure', () => {
    const s = source('attendances', {
      status: 'failed',
      ...validated([
        check({ id: 'pk_unique', kind: 'unique', severity: 'critical', failed: 2 }),
        check({ id: 'warnish', severity: 'warn', status: 'warn' }),
      ]),
    });
    const { events } = eventsFromRun(run([s]), { now: NOW });
    expect(events.map((e) => e.kind)).toEqual(['validation_critical']);
    expect(events[0]).toMatchObject({
      severity: 'critical',
      details: { checks: 'pk_unique', failed_checks: 1, failed_rows: 2 },
    });
  });

  it('recognises row-count anomalies by the anomaly result id and freshness checks by kind', () => {
    const s = source('labs', {
      ...validated([
        check({
          id: 'row_count.anomaly',
          kind: 'row_count',
          severity: 'error',
          status: 'warn',
          failed: 0,
          message: '10 rows vs trailing median 100 of 7 runs: deviation 90.0%',
        }),
        check({
          id: 'row_count',
          kind: 'row_count',
          severity: 'error',
          status: 'fail',
          message: '10 rows, expected at least 50',
        }),
        check({ id: 'fresh', kind: 'freshness', severity: 'critical', status: 'warn', failed: 0 }),
      ]),
    });
    const { events } = eventsFromRun(run([s]), { now: NOW });
    expect(events.map((e) => [e.kind, e.severity, e.details.checks])).toEqual([
      ['row_count_anomaly', 'warn', 'row_count.anomaly'],
      ['freshness', 'warn', 'fresh'],
    ]);
  });

  it('raises sla when the run took longer than alerts.sla', () => {
    const slow = eventsFromRun(run([source('a')]), { now: NOW, slaMs: 5 * 60_000 }).events;
    expect(slow.map((e) => e.kind)).toEqual(['sla']);
    expect(slow[0]!.title).toBe('job nightly: run took 10 min, over its SLA of 5 min');
    expect(eventsFromRun(run([source('a')]), { now: NOW, slaMs: 3_600_000 }).events).toEqual([]);
  });

  it('raises recovery for a source that failed last time, and remembers outcomes', () => {
    const first = eventsFromRun(run([source('a', { status: 'failed' }), source('b')]), { now: NOW });
    expect(first.outcomes[outcomeKey({ job: 'nightly', command: 'run' }, 'a')]?.status).toBe('failed');
    const second = eventsFromRun(run([source('a'), source('b')], { run_id: 'r2' }), {
      now: NOW,
      previous: first.outcomes,
    });
    expect(second.events.map((e) => [e.kind, e.source, e.severity])).toEqual([['recovery', 'a', 'info']]);
    expect(second.events[0]!.details.failed_run).toBe('20250301T010000Z-abcd');
    const third = eventsFromRun(run([source('a')], { run_id: 'r3' }), {
      now: NOW,
      previous: { ...first.outcomes, ...second.outcomes },
    });
    expect(third.events).toEqual([]);
  });

  it('keeps outcomes per job: a manual run does not recover a scheduled job', () => {
    const failed = eventsFromRun(run([source('a', { status: 'failed' })]), { now: NOW }).outcomes;
    const manual = run([source('a')], { job: undefined, command: 'extract' });
    expect(eventsFromRun(manual, { now: NOW, previous: failed }).events).toEqual([]);
  });

  it('treats an interrupted source as neither failure nor recovery', () => {
    const previous: Record<string, OutcomeRecord> = {
      'nightly|a': { status: 'failed', run_id: 'r0', at: 'x' },
    };
    const r = run([source('a', { status: 'interrupted' })], { status: 'interrupted' });
    const { events, outcomes } = eventsFromRun(r, { now: NOW, previous });
    expect(events).toEqual([]);
    expect(outcomes).toEqual({});
  });

  it('raises a run-level failure when no source explains it, and recovers it later', () => {
    const broken = run([], { status: 'failed', error: 'lock held by another run', hint: 'wait' });
    const first = eventsFromRun(broken, { now: NOW });
    expect(first.events).toMatchObject([
      { kind: 'run_failure', details: { error: 'lock held by another run', hint: 'wait' } },
    ]);
    expect(first.events[0]!.source).toBeUndefined();
    const second = eventsFromRun(run([source('a')]), { now: NOW, previous: first.outcomes });
    expect(second.events).toMatchObject([{ kind: 'recovery', title: 'job nightly: run succeeded again' }]);
  });
});

describe('missedScheduleEvent', () => {
  it('describes a missed run of a job, keyed by job for deduplication', () => {
    const e = missedScheduleEvent(
      'nightly',
      { due: '2025-03-01T01:00:00+08:00', count: 2, reason: 'scheduler was down' },
      NOW,
    );
    expect(e).toMatchObject({
      kind: 'missed_schedule',
      severity: 'error',
      job: 'nightly',
      title: 'job nightly missed 2 scheduled runs (due 2025-03-01T01:00:00+08:00)',
      details: { missed_runs: 2, reason: 'scheduler was down' },
      at: NOW.toISOString(),
      dedupe_key: 'missed_schedule|nightly|',
    });
  });
});
