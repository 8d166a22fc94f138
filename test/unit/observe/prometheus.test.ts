import { describe, expect, it } from 'vitest';
import type { RunDigest } from '../../../src/observe/metrics/history.js';
import { prometheusState, renderPrometheus, scheduleRatios } from '../../../src/observe/metrics/index.js';
import { parseExposition, valueOf } from './exposition.js';

/** A digest a day from 2025-01-01, 02:00Z start, 10 minutes long. */
function digest(i: number, over: Partial<RunDigest> = {}, sources?: RunDigest['sources']): RunDigest {
  const start = new Date(Date.UTC(2025, 0, 1 + i, 2));
  return {
    run_id: `r${String(i).padStart(4, '0')}`,
    command: 'run',
    trigger: 'schedule',
    job: 'nightly',
    status: 'succeeded',
    started_at: start.toISOString(),
    finished_at: new Date(start.getTime() + 600_000).toISOString(),
    sources: sources ?? [
      { source: 'attendances', status: over.status ?? 'succeeded', rows: 100 + i, duration_ms: 1500 },
    ],
    ...over,
  };
}
const t = (d: RunDigest) => Date.parse(d.finished_at) / 1000;

describe('success ratio over the last N scheduled runs', () => {
  it('counts only scheduled runs of the job, the newest N, and interrupted is not a success', () => {
    const runs: RunDigest[] = [];
    // 40 nightly runs: the first 10 all failed (outside a window of 30); of the last 30, 3 not successful.
    for (let i = 0; i < 40; i++) {
      const status = i < 10 || i === 15 || i === 30 ? 'failed' : i === 35 ? 'interrupted' : 'succeeded';
      runs.push(digest(i, { status }));
    }
    // Manual runs with the same job name typed by hand (trigger cli) and runs without a job do not count.
    runs.push(
      digest(41, { trigger: 'cli', status: 'failed' }),
      digest(42, { job: undefined, trigger: 'cli', status: 'failed' }),
    );
    runs.push(digest(43, { job: 'weekly' }));
    expect(scheduleRatios(runs, 30)).toEqual([
      { schedule: 'nightly', runs: 30, succeeded: 27, ratio: 0.9 },
      { schedule: 'weekly', runs: 1, succeeded: 1, ratio: 1 },
    ]);
    expect(scheduleRatios(runs, 5)[0]).toEqual({ schedule: 'nightly', runs: 5, succeeded: 4, ratio: 0.8 });
  });
});

describe('renderPrometheus', () => {
  it('is valid exposition format with the values of the history', () => {
    const runs = [
      digest(0),
      digest(1, {}, [
        { source: 'attendances', status: 'succeeded', rows: 500, duration_ms: 2500 },
        { source: 'patients', status: 'succeeded', rows: 7, duration_ms: 100 },
      ]),
      digest(2, { status: 'failed' }, [
        { source: 'attendances', status: 'failed', rows: 0, duration_ms: 800 },
        { source: 'patients', status: 'succeeded', rows: 3, duration_ms: 90 },
      ]),
      digest(3, { job: undefined, trigger: 'cli' }, [
        { source: 'attendances', status: 'succeeded', rows: 9, duration_ms: 40 },
      ]),
    ];
    const text = renderPrometheus(
      prometheusState(runs, {
        window: 30,
        alertFailures: { ops_email: 2, 'we"ird\\na\nme': 1 },
        heartbeatAt: '2025-01-10T00:00:30.500Z',
      }),
    );
    const { samples, types, help } = parseExposition(text);
    const nightly = (source: string) => ({ source, schedule: 'nightly' });
    expect(valueOf(samples, 'moh_etl_last_run_status', nightly('attendances'))).toBe(0);
    expect(valueOf(samples, 'moh_etl_last_run_status', nightly('patients'))).toBe(1);
    expect(valueOf(samples, 'moh_etl_last_success_timestamp_seconds', nightly('attendances'))).toBe(
      t(runs[1]!),
    );
    expect(valueOf(samples, 'moh_etl_last_run_timestamp_seconds', nightly('attendances'))).toBe(t(runs[2]!));
    expect(valueOf(samples, 'moh_etl_last_run_rows', nightly('attendances'))).toBe(0);
    expect(valueOf(samples, 'moh_etl_last_run_duration_seconds', nightly('attendances'))).toBe(0.8);
    expect(valueOf(samples, 'moh_etl_rows_total', nightly('attendances'))).toBe(100 + 500);
    expect(valueOf(samples, 'moh_etl_runs_total', nightly('attendances'))).toBe(3);
    expect(valueOf(samples, 'moh_etl_failures_total', nightly('attendances'))).toBe(1);
    expect(valueOf(samples, 'moh_etl_failures_total', nightly('patients'))).toBe(0);
    // A run without a job is its own series, schedule="".
    expect(valueOf(samples, 'moh_etl_last_run_rows', { source: 'attendances', schedule: '' })).toBe(9);
    expect(valueOf(samples, 'moh_etl_scheduled_success_ratio', { schedule: 'nightly' })).toBeCloseTo(2 / 3);
    expect(valueOf(samples, 'moh_etl_scheduled_runs_in_window', { schedule: 'nightly' })).toBe(3);
    expect(valueOf(samples, 'moh_etl_alerts_failed_total', { channel: 'ops_email' })).toBe(2);
    // Escaped on the way out, the same text on the way back in.
    expect(valueOf(samples, 'moh_etl_alerts_failed_total', { channel: 'we"ird\\na\nme' })).toBe(1);
    expect(valueOf(samples, 'moh_etl_scheduler_heartbeat_timestamp_seconds')).toBe(1736467230.5);
    expect(types.get('moh_etl_rows_total')).toBe('counter');
    expect(types.get('moh_etl_last_run_status')).toBe('gauge');
    for (const name of new Set(samples.map((s) => s.name))) {
      expect(name).toMatch(/^moh_etl_/);
      expect(help.get(name)?.length).toBeGreaterThan(10);
      if (types.get(name) === 'counter') expect(name).toMatch(/_total$/);
    }
    // Deterministic: the same state renders the same bytes.
    expect(
      renderPrometheus(
        prometheusState([...runs], {
          heartbeatAt: '2025-01-10T00:00:30.500Z',
          alertFailures: { ops_email: 2, 'we"ird\\na\nme': 1 },
        }),
      ),
    ).toBe(text);
  });

  it('a source that never succeeded has no last-success sample; an empty history renders nothing', () => {
    const { samples } = parseExposition(renderPrometheus(prometheusState([digest(0, { status: 'failed' })])));
    expect(
      valueOf(samples, 'moh_etl_last_success_timestamp_seconds', {
        source: 'attendances',
        schedule: 'nightly',
      }),
    ).toBe(undefined);
    expect(valueOf(samples, 'moh_etl_last_run_status', { source: 'attendances', schedule: 'nightly' })).toBe(
      0,
    );
    expect(renderPrometheus(prometheusState([]))).toBe('');
  });
});
