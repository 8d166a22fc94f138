import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setImmediate as tick } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { writeHeartbeat, heartbeatRecord } from '../../../src/schedule/heartbeat.js';
import {
  INDEX_NAME,
  jobStatus,
  readRunDigests,
  updateTextfile,
  writeTextfile,
} from '../../../src/observe/metrics/index.js';
import { saveSummary, type RunSummary } from '../../../src/pipeline/summary.js';
import { parseExposition, valueOf } from './exposition.js';
import { runRecord, source, tempDir } from './fixtures.js';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

function root(): string {
  const t = tempDir();
  cleanups.push(t.cleanup);
  return t.dir;
}

/** Run number i of a job, one a day. */
function run(
  i: number,
  over: Partial<RunSummary> = {},
  status: 'succeeded' | 'failed' = 'succeeded',
): RunSummary {
  const start = new Date(Date.UTC(2025, 0, 1 + i, 2));
  const stamp = start
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  return runRecord([source('attendances', { status, rows: status === 'failed' ? 0 : 10 * i })], {
    run_id: `${stamp}-${String(i).padStart(4, '0')}`,
    trigger: 'schedule',
    job: 'nightly',
    started_at: start.toISOString(),
    finished_at: new Date(start.getTime() + 60_000).toISOString(),
    exit_code: status === 'failed' ? 1 : 0,
    ...over,
  });
}

describe('updateTextfile', () => {
  it('derives the textfile from every run record, the alert state and the heartbeat', async () => {
    const dir = root();
    for (let i = 0; i < 12; i++) await saveSummary(dir, run(i, {}, i % 4 === 3 ? 'failed' : 'succeeded'));
    await saveSummary(dir, run(20, { trigger: 'cli', job: undefined }));
    const alertState = path.join(dir, 'results/alerts/state.json');
    mkdirSync(path.dirname(alertState), { recursive: true });
    writeFileSync(
      alertState,
      JSON.stringify({
        version: 1,
        outcomes: {},
        channels: { ops_email: { sent: [], keys: {}, rate_suppressed: 0, failures: 4 } },
      }),
    );
    const heartbeatFile = path.join(dir, 'data/state/scheduler.heartbeat.json');
    mkdirSync(path.dirname(heartbeatFile), { recursive: true });
    await writeHeartbeat(
      heartbeatFile,
      heartbeatRecord({
        at: '2025-02-01T00:00:00.000Z',
        started_at: '2025-01-01T00:00:00.000Z',
        interval_ms: 30_000,
        running: [],
        state: 'running',
      }),
    );
    const textfile = path.join(dir, 'results/metrics/moh_etl.prom');
    await updateTextfile({
      root: dir,
      textfile,
      indexFile: path.join(dir, 'results/metrics', INDEX_NAME),
      window: 8,
      alertStateFile: alertState,
      heartbeatFile,
    });
    const { samples } = parseExposition(readFileSync(textfile, 'utf8'));
    const nightly = { source: 'attendances', schedule: 'nightly' };
    // Runs 0..11: 3, 7 and 11 failed. The last 8 (4..11): 2 failed.
    expect(valueOf(samples, 'moh_etl_scheduled_success_ratio', { schedule: 'nightly' })).toBe(6 / 8);
    expect(valueOf(samples, 'moh_etl_last_run_status', nightly)).toBe(0);
    expect(valueOf(samples, 'moh_etl_last_success_timestamp_seconds', nightly)).toBe(
      Date.parse(run(10).finished_at) / 1000,
    );
    expect(valueOf(samples, 'moh_etl_failures_total', nightly)).toBe(3);
    expect(valueOf(samples, 'moh_etl_runs_total', nightly)).toBe(12);
    expect(valueOf(samples, 'moh_etl_rows_total', nightly)).toBe(10 * (0 + 1 + 2 + 4 + 5 + 6 + 8 + 9 + 10));
    expect(valueOf(samples, 'moh_etl_last_run_rows', { source: 'attendances', schedule: '' })).toBe(200);
    expect(valueOf(samples, 'moh_etl_alerts_failed_total', { channel: 'ops_email' })).toBe(4);
    expect(valueOf(samples, 'moh_etl_scheduler_heartbeat_timestamp_seconds')).toBe(
      Date.parse('2025-02-01T00:00:00Z') / 1000,
    );
    expect(statSync(textfile).mode & 0o777).toBe(0o644);
  });

  it('writes atomically: a reader never sees a partial file, and no temporary file is left', async () => {
    const dir = root();
    const file = path.join(dir, 'moh_etl.prom');
    const big = `# TYPE a gauge\n${'a 1\n'.repeat(200_000)}`;
    const small = '# TYPE b gauge\nb 2\n';
    await writeTextfile(file, small);
    let reads = 0;
    let stop = false;
    const seen = new Set<string>();
    const reader = (async () => {
      while (!stop) {
        const text = readFileSync(file, 'utf8');
        seen.add(text === big ? 'big' : text === small ? 'small' : `partial (${text.length} chars)`);
        reads++;
        await tick();
      }
    })();
    for (let i = 0; i < 20; i++) await writeTextfile(file, i % 2 === 0 ? big : small);
    stop = true;
    await reader;
    expect(reads).toBeGreaterThan(20);
    expect([...seen].sort()).toEqual(['big', 'small']);
    expect(readdirSync(dir)).toEqual(['moh_etl.prom']);
  });
});

describe('run history digests', () => {
  it('cache digests in an append-only index: new records appended, removed ones dropped, a torn index rebuilt', async () => {
    const dir = root();
    const index = path.join(dir, 'results/metrics', INDEX_NAME);
    const ids = (n: number[]) => n.map((i) => run(i).run_id);
    const files = [];
    for (let i = 0; i < 3; i++) files.push(await saveSummary(dir, run(i)));
    expect((await readRunDigests(dir, index)).map((d) => d.run_id)).toEqual(ids([0, 1, 2]));
    const first = readFileSync(index, 'utf8');
    expect(first.split('\n')).toHaveLength(1 + 3 + 1);
    // A cached record is not read again (records never change): garbage in it goes unnoticed.
    writeFileSync(files[0]!, 'garbage');
    await saveSummary(dir, run(3));
    expect((await readRunDigests(dir, index)).map((d) => d.run_id)).toEqual(ids([0, 1, 2, 3]));
    const second = readFileSync(index, 'utf8');
    expect(second.startsWith(first)).toBe(true);
    expect(second.split('\n')).toHaveLength(1 + 4 + 1);
    // Without the cache, the garbage record is skipped, not fatal.
    expect((await readRunDigests(dir)).map((d) => d.run_id)).toEqual(ids([1, 2, 3]));
    // A removed record drops out (the index is rewritten without it).
    rmSync(files[1]!);
    expect((await readRunDigests(dir, index)).map((d) => d.run_id)).toEqual(ids([0, 2, 3]));
    expect(readFileSync(index, 'utf8').split('\n')).toHaveLength(1 + 3 + 1);
    // A torn last line (a crash mid-append) makes it rebuilt from the records: the garbage one is gone.
    writeFileSync(index, readFileSync(index, 'utf8') + '{"file":"x.json","dig');
    expect((await readRunDigests(dir, index)).map((d) => d.run_id)).toEqual(ids([2, 3]));
    expect(readdirSync(path.join(dir, 'results/metrics')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

describe('jobStatus', () => {
  it('each configured job: last result and success rate over its last N scheduled runs', async () => {
    const dir = root();
    for (let i = 0; i < 6; i++) await saveSummary(dir, run(i, {}, i === 5 ? 'failed' : 'succeeded'));
    await saveSummary(dir, run(7, { job: 'weekly' }));
    const status = await jobStatus(dir, { nightly: {}, weekly: {}, monthly: {} }, { window: 4 });
    expect(status).toEqual([
      {
        job: 'nightly',
        last: { run_id: run(5).run_id, status: 'failed', finished_at: run(5).finished_at, exit_code: 1 },
        runs: 4,
        succeeded: 3,
        success_rate: 0.75,
      },
      {
        job: 'weekly',
        last: { run_id: run(7).run_id, status: 'succeeded', finished_at: run(7).finished_at, exit_code: 0 },
        runs: 1,
        succeeded: 1,
        success_rate: 1,
      },
      { job: 'monthly', runs: 0, succeeded: 0 },
    ]);
  });
});
