import { readFileSync, statSync, existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { PipelineEvent } from '../../../src/observe/events.js';
import { INDEX_NAME, metricsListener, type RunMetrics } from '../../../src/observe/metrics/index.js';
import type { PhaseRecord, RunSummary } from '../../../src/pipeline/summary.js';
import { runRecord, source, tempDir, writeRunFiles } from './fixtures.js';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

const RUN = '20250301T010000Z-abcd';
const at = '2025-03-01T01:00:00.000Z';
const phase = (p: Partial<PhaseRecord>): PhaseRecord => ({
  status: 'succeeded',
  rows_in: 0,
  rows_out: 0,
  duration_ms: 0,
  ...p,
});

/** A run of two sources as the pipeline emits it; attendances has real part files. */
function events(root: string): { stream: PipelineEvent[]; record: RunSummary } {
  const att = writeRunFiles(root, 'attendances', [
    { rows: 600, content: 'x'.repeat(1000) },
    { rows: 400, content: 'y'.repeat(500) },
  ]);
  const attPhases = {
    extract: phase({ rows_in: 1000, rows_out: 1000, duration_ms: 2000 }),
    validate: phase({ rows_in: 1000, rows_out: 1000, duration_ms: 500, verdict: 'ok' }),
    load: phase({ rows_in: 1000, rows_out: 990, duration_ms: 250, counts: { inserted: 900, updated: 90 } }),
  };
  const record = runRecord(
    [
      source('attendances', {
        rows: 1000,
        files: att.files,
        manifest: att.manifest,
        duration_ms: 2750,
        phases: attPhases,
      }),
      source('patients', {
        status: 'failed',
        rows: 0,
        duration_ms: 300,
        phases: { extract: phase({ status: 'failed', duration_ms: 300 }) },
      }),
    ],
    {
      run_id: RUN,
      started_at: at,
      finished_at: '2025-03-01T01:00:04.000Z',
      job: 'nightly',
      trigger: 'schedule',
    },
  );
  const stream: PipelineEvent[] = [
    {
      type: 'run-started',
      run_id: RUN,
      at,
      command: 'run',
      sources: ['attendances', 'patients'],
      phases: ['extract'],
    },
    ...Object.entries(attPhases).map(([p, r]): PipelineEvent => ({
      type: 'phase-finished',
      run_id: RUN,
      at,
      source: 'attendances',
      phase: p as 'extract',
      record: r,
    })),
    { type: 'source-finished', run_id: RUN, at, result: record.sources[0]! },
    { type: 'run-finished', run_id: RUN, at, record },
  ];
  return { stream, record };
}

describe('metricsListener', () => {
  it('writes results/metrics/<run_id>.json per source and phase, with bytes, rows/s and resources', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const directory = path.join(t.dir, 'results/metrics');
    const m = metricsListener({ root: t.dir, directory, textfile: null });
    const { stream } = events(t.dir);
    m.listener(stream[0]!);
    // 60 ms of CPU between run-started and run-finished shows up as the run's CPU time.
    const cpu0 = process.cpuUsage();
    const spent = () => process.cpuUsage(cpu0);
    while (spent().user + spent().system < 60_000) Math.sqrt(Math.random());
    for (const e of stream.slice(1)) m.listener(e);
    const [outcome] = await m.flush();
    expect(outcome).toMatchObject({ run_id: RUN, file: path.join(directory, `${RUN}.json`) });
    expect(outcome!.error).toBeUndefined();
    const metrics = JSON.parse(readFileSync(outcome!.file!, 'utf8')) as RunMetrics;
    expect(metrics).toMatchObject({
      metrics_version: 1,
      run_id: RUN,
      job: 'nightly',
      status: 'failed',
      duration_s: 4,
      rows: 1000,
      bytes: 1500,
      rows_per_s: 250,
    });
    expect(metrics.sources.attendances).toMatchObject({
      status: 'succeeded',
      rows: 1000,
      bytes: 1500,
      files: 2,
      duration_s: 2.75,
      rows_per_s: 364,
    });
    expect(metrics.sources.attendances!.phases).toEqual({
      extract: {
        status: 'succeeded',
        rows_in: 1000,
        rows_out: 1000,
        duration_s: 2,
        rows_per_s: 500,
        bytes: 1500,
      },
      validate: { status: 'succeeded', rows_in: 1000, rows_out: 1000, duration_s: 0.5, rows_per_s: 2000 },
      load: {
        status: 'succeeded',
        rows_in: 1000,
        rows_out: 990,
        duration_s: 0.25,
        rows_per_s: 3960,
        counts: { inserted: 900, updated: 90 },
      },
    });
    expect(metrics.sources.patients).toMatchObject({ status: 'failed', rows: 0, files: 0 });
    expect(metrics.sources.patients!.bytes).toBeUndefined();
    expect(metrics.sources.patients!.phases.extract).toMatchObject({
      status: 'failed',
      rows_per_s: 0,
      duration_s: 0.3,
    });
    // maxRSS is in kilobytes: in bytes, the peak is at least today's resident size.
    expect(metrics.resources.peak_rss_bytes).toBeGreaterThanOrEqual(process.memoryUsage().rss * 0.9);
    expect(metrics.resources.cpu_user_s + metrics.resources.cpu_system_s).toBeGreaterThanOrEqual(0.05);
    expect(metrics.resources.cpu_user_s).toBeLessThan(60);
    expect(statSync(outcome!.file!).mode & 0o777).toBe(0o640);
    // No cell value (manifest keys) in metrics.
    expect(readFileSync(outcome!.file!, 'utf8')).not.toContain('S1234567D');
  });

  it('phase records seen only as events still count (a run record without phases)', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const m = metricsListener({ root: t.dir, directory: path.join(t.dir, 'm'), textfile: null });
    const { stream, record } = events(t.dir);
    delete record.sources[0]!.phases;
    for (const e of stream) m.listener(e);
    const [outcome] = await m.flush();
    expect(Object.keys(outcome!.metrics!.sources.attendances!.phases)).toEqual([
      'extract',
      'validate',
      'load',
    ]);
  });

  it('record() for commands without events, and the textfile rewritten after the run', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const textfile = path.join(t.dir, 'results/metrics/moh_etl.prom');
    const m = metricsListener({ root: t.dir, directory: path.join(t.dir, 'results/metrics'), textfile });
    const { record } = events(t.dir);
    // The run record is on disk first, as saveSummary leaves it.
    const { saveSummary } = await import('../../../src/pipeline/summary.js');
    await saveSummary(t.dir, record);
    m.record(record);
    const [outcome] = await m.flush();
    expect(outcome!.textfile).toBe(textfile);
    expect(readFileSync(textfile, 'utf8')).toContain(
      'moh_etl_last_run_rows{source="attendances",schedule="nightly"} 1000',
    );
    expect(existsSync(path.join(t.dir, 'results/metrics', INDEX_NAME))).toBe(true);
  });

  it('a write that fails is reported, never thrown', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const { writeFileSync } = await import('node:fs');
    writeFileSync(path.join(t.dir, 'blocker'), 'a file where the directory should be');
    const m = metricsListener({ root: t.dir, directory: path.join(t.dir, 'blocker/metrics') });
    const { record } = events(t.dir);
    m.record(record);
    const [outcome] = await m.flush();
    expect(outcome!.error).toMatch(/blocker/);
    expect(outcome!.file).toBeUndefined();
  });
});
