/**
 * The dispatcher end to end against real webhook servers: a storm becomes one grouped message per
 * channel, repeats are held back across processes through the state file and counted in the next
 * message, recovery is found across two runs, and routes with severity floors decide who hears what.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAlerter } from '../../../src/observe/alerts/alerter.js';
import { lateJobEvent } from '../../../src/observe/alerts/event.js';
import { alertListener } from '../../../src/observe/alerts/listener.js';
import type { RunSummary, SourceResult } from '../../../src/pipeline/summary.js';
import { startHttpSink, type HttpSink } from '../../helpers/http-sink.js';
import { alertsConfig, capturedLog, tempDir, type TempDir } from './fixture.js';

let tmp: TempDir;
let chat: HttpSink;
let siem: HttpSink;
beforeEach(async () => {
  tmp = tempDir();
  chat = await startHttpSink();
  siem = await startHttpSink();
});
afterEach(async () => {
  await chat.close();
  await siem.close();
  tmp.cleanup();
});

function run(
  id: string,
  sources: [string, SourceResult['status']][],
  over: Partial<RunSummary> = {},
): RunSummary {
  return {
    run_id: id,
    command: 'run',
    job: 'nightly',
    status: sources.some(([, s]) => s === 'failed') ? 'failed' : 'succeeded',
    started_at: '2025-03-01T01:00:00Z',
    finished_at: '2025-03-01T01:05:00Z',
    sources: sources.map(([source, status]) => ({
      source,
      status,
      mode: 'incremental',
      rows: status === 'failed' ? 0 : 10,
      files: [],
      duration_ms: 5,
      ...(status === 'failed' ? { error: 'connect ECONNREFUSED 10.0.0.5:5432' } : {}),
    })),
    ...over,
  };
}

/** A clock the test moves; a new alerter per "process" shares only the state file. */
function processes(config: ReturnType<typeof alertsConfig>) {
  let now = new Date('2025-03-01T01:05:00Z');
  const stateFile = path.join(tmp.dir, 'alerts', 'state.json');
  return {
    stateFile,
    advance: (ms: number) => (now = new Date(now.getTime() + ms)),
    start: () =>
      createAlerter({ config, stateFile, log: capturedLog(tmp.dir).log, now: () => now, host: 'h1' }),
  };
}

const channels = () => ({
  chat: { type: 'slack', url: chat.url('/chat') },
  siem: { type: 'webhook', url: siem.url('/siem') },
});

describe('storms, repeats and recovery', () => {
  it('sends one grouped message per channel when every source fails at once', async () => {
    const p = processes(alertsConfig({ channels: channels() }));
    const sources = Array.from({ length: 25 }, (_, i): [string, 'failed'] => [`source_${i}`, 'failed']);
    const outcomes = await p.start().notifyRun(run('r1', sources), 'results/runs/r1.json');
    expect(outcomes.map((o) => [o.channel, o.status, o.events, o.grouped])).toEqual([
      ['chat', 'sent', 25, true],
      ['siem', 'sent', 25, true],
    ]);
    expect(chat.requests).toHaveLength(1);
    expect(siem.requests).toHaveLength(1);
    const body = siem.requests[0]!.json as {
      title: string;
      grouped: boolean;
      events: { source: string; report: string }[];
    };
    expect(body.title).toBe(
      '25 run_failure alerts: source_0, source_1, source_2, source_3, source_4, source_5 and 19 more',
    );
    expect(body.events.map((e) => e.source)).toEqual(sources.map(([s]) => s));
    expect(body.events[0]!.report).toBe('results/runs/r1.json');
    expect(chat.requests[0]!.body).toContain('source_24');
  });

  it('holds back repeats across processes and counts them in the next message', async () => {
    const p = processes(alertsConfig({ channels: { chat: channels().chat }, throttle: { window: '1h' } }));
    await p.start().notifyRun(run('r1', [['labs', 'failed']]));
    p.advance(15 * 60_000);
    const second = await p.start().notifyRun(run('r2', [['labs', 'failed']]));
    p.advance(15 * 60_000);
    const third = await p.start().notifyRun(run('r3', [['labs', 'failed']]));
    expect([second, third].map((o) => o.map((x) => [x.status, x.reason]))).toEqual([
      [['throttled', 'duplicate']],
      [['throttled', 'duplicate']],
    ]);
    expect(chat.requests).toHaveLength(1);
    p.advance(31 * 60_000);
    await p.start().notifyRun(run('r4', [['labs', 'failed']]));
    expect(chat.requests).toHaveLength(2);
    expect(chat.requests[1]!.body).toContain('2 identical alerts held back since 2025-03-01T01:20:00.000Z');
    expect(statSync(p.stateFile).mode & 0o777).toBe(0o640);
  });

  it('announces recovery in a later process, and a new failure after it is news again', async () => {
    const p = processes(alertsConfig({ channels: { siem: channels().siem } }));
    await p.start().notifyRun(
      run('r1', [
        ['labs', 'failed'],
        ['visits', 'succeeded'],
      ]),
    );
    p.advance(60_000);
    const recovered = await p.start().notifyRun(
      run('r2', [
        ['labs', 'succeeded'],
        ['visits', 'succeeded'],
      ]),
    );
    expect(recovered).toMatchObject([{ status: 'sent', kinds: ['recovery'], sources: ['labs'] }]);
    expect(siem.requests[1]!.json).toMatchObject({
      severity: 'info',
      events: [
        {
          kind: 'recovery',
          source: 'labs',
          title: 'job nightly: source labs succeeded again',
          details: { failed_run: 'r1' },
        },
      ],
    });
    p.advance(60_000);
    const again = await p.start().notifyRun(run('r3', [['labs', 'failed']]));
    expect(again).toMatchObject([{ status: 'sent', kinds: ['run_failure'] }]);
    expect(siem.requests).toHaveLength(3);
  });

  it('routes by event and severity floor, and raises sla for a slow run', async () => {
    const p = processes(
      alertsConfig({
        channels: channels(),
        routes: [
          { events: ['run_failure', 'recovery'], channels: ['chat', 'siem'] },
          { events: ['sla', 'row_count_anomaly'], channels: ['siem'], min_severity: 'error' },
          { events: ['sla'], channels: ['chat'], min_severity: 'warn' },
        ],
        sla: '2m',
      }),
    );
    const outcomes = await p.start().notifyRun(run('r1', [['labs', 'failed']]));
    expect(outcomes.map((o) => [o.channel, o.kinds.join()])).toEqual([
      ['chat', 'run_failure'],
      ['chat', 'sla'],
      ['siem', 'run_failure'],
    ]);
  });

  it('routes a scheduled job past its SLA (warn) and stopped at its timeout (error) by severity', async () => {
    const p = processes(
      alertsConfig({
        channels: channels(),
        routes: [
          { events: ['sla'], channels: ['chat'], min_severity: 'warn' },
          { events: ['sla'], channels: ['siem'], min_severity: 'error' },
        ],
      }),
    );
    const due = '2025-03-01T18:00:00.000Z';
    const late = lateJobEvent('daily', { kind: 'sla', scheduled_for: due, running_ms: 45 * 60_000 });
    expect(await p.start().notify([late])).toMatchObject([{ channel: 'chat', status: 'sent' }]);
    expect(chat.requests[0]!.body).toContain(
      `job daily (due ${due}) is still running after 45 min, past its SLA`,
    );
    p.advance(60 * 60_000);
    const stopped = lateJobEvent('daily', { kind: 'timeout', scheduled_for: due, running_ms: 2 * 3600_000 });
    const outcomes = await p.start().notify([stopped]);
    expect(outcomes.map((o) => [o.channel, o.status])).toContainEqual(['siem', 'sent']);
    expect((siem.requests[0]!.json as { title: string }).title).toBe(
      `job daily (due ${due}) was stopped at its timeout after 120 min; the next run resumes it`,
    );
  });

  it('listens to run-finished events and delivers on flush', async () => {
    const p = processes(alertsConfig({ channels: { chat: channels().chat } }));
    const { listener, flush } = alertListener(p.start());
    listener({
      type: 'run-started',
      run_id: 'r1',
      at: 'x',
      command: 'run',
      sources: ['labs'],
      phases: ['extract'],
    });
    listener({
      type: 'run-finished',
      run_id: 'r1',
      at: 'x',
      record: run('r1', [['labs', 'failed']]),
      file: 'results/runs/r1.json',
    });
    const outcomes = await flush();
    expect(outcomes).toMatchObject([{ channel: 'chat', status: 'sent', kinds: ['run_failure'] }]);
    expect(chat.requests).toHaveLength(1);
  });
});
