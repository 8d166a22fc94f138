/**
 * Channels that are down: a closed port, an HTTP server that never answers, an SMTP relay that never
 * greets. Each fails within the dispatch's deadline, the healthy channel still gets its message,
 * nothing is thrown, and the failure is logged and counted.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAlerter } from '../../../src/observe/alerts/alerter.js';
import { alertEvent } from '../../../src/observe/alerts/event.js';
import type { AlertState } from '../../../src/observe/alerts/state.js';
import {
  closedPort,
  startHangingHttpServer,
  startHttpSink,
  startSilentTcpServer,
} from '../../helpers/http-sink.js';
import { alertsConfig, capturedLog, tempDir, type TempDir } from './fixture.js';

let tmp: TempDir;
const closers: (() => Promise<void>)[] = [];
beforeEach(() => {
  tmp = tempDir();
});
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
  tmp.cleanup();
});

const failure = alertEvent({
  kind: 'run_failure',
  severity: 'error',
  job: 'nightly',
  source: 'labs',
  title: 'job nightly: source labs failed',
});
const DEADLINE_MS = 1500;

describe('a channel that is down', () => {
  it('fails within the deadline while the healthy channel is still sent; logged and counted', async () => {
    const healthy = await startHttpSink();
    const hanging = await startHangingHttpServer();
    const silentSmtp = await startSilentTcpServer();
    closers.push(healthy.close, hanging.close, silentSmtp.close);
    const refused = await closedPort();
    const captured = capturedLog(tmp.dir);
    const stateFile = path.join(tmp.dir, 'alerts', 'state.json');
    const alerter = createAlerter({
      config: alertsConfig({
        channels: {
          ok: { type: 'slack', url: healthy.url('/ok') },
          refused: { type: 'webhook', url: `http://127.0.0.1:${refused}/in` },
          hanging: { type: 'teams', url: hanging.url('/hook') },
          mail: {
            type: 'email',
            smtp: { host: '127.0.0.1', port: silentSmtp.port },
            from: 'etl@moh.test',
            to: ['ops@moh.test'],
          },
        },
      }),
      stateFile,
      log: captured.log,
    });

    const t0 = performance.now();
    const outcomes = await alerter.notify([failure]);
    const elapsed = performance.now() - t0;

    // A bound, not a speed target: without the deadline a silent peer would hold the run forever.
    expect(elapsed).toBeLessThan(DEADLINE_MS * 2);
    const by = Object.fromEntries(outcomes.map((o) => [o.channel, o]));
    expect(by.ok).toMatchObject({ status: 'sent', attempts: 1 });
    expect(healthy.requests).toHaveLength(1);
    expect(by.refused).toMatchObject({
      status: 'failed',
      attempts: 2,
      reason: 'network error (ECONNREFUSED)',
    });
    expect(by.hanging).toMatchObject({ status: 'failed', attempts: 2, reason: 'timed out after 400 ms' });
    expect(hanging.connections()).toBeGreaterThanOrEqual(1);
    expect(by.mail).toMatchObject({ status: 'failed' });
    expect(by.mail!.reason).toMatch(/timed out after 400 ms|Greeting never received/);
    expect(silentSmtp.connections()).toBeGreaterThanOrEqual(1);

    const failedLines = captured.records().filter((r) => r.msg === 'alert could not be delivered');
    expect(failedLines.map((r) => [r.channel, r.level, r.reason]).sort()).toEqual([
      ['hanging', 40, 'timed out after 400 ms'],
      ['mail', 40, by.mail!.reason],
      ['refused', 40, 'network error (ECONNREFUSED)'],
    ]);
    expect(captured.text()).toContain('warn  alert could not be delivered');

    const state = JSON.parse(readFileSync(stateFile, 'utf8')) as AlertState;
    expect(state.channels.refused?.failures).toBe(1);
    expect(state.channels.ok?.failures).toBe(0);
    // An undelivered alert is not remembered as sent: the next run tries again.
    expect(state.channels.refused?.keys).toEqual({});
  });

  it('stops at the deadline even when attempts and delays would take longer', async () => {
    const hanging = await startHangingHttpServer();
    closers.push(hanging.close);
    const alerter = createAlerter({
      config: alertsConfig({
        channels: { hanging: { type: 'webhook', url: hanging.url('/') } },
        retry: { attempts: 10, min_delay: '100ms', max_delay: '100ms' },
        timeout: '300ms',
        deadline: '800ms',
      }),
      stateFile: path.join(tmp.dir, 'state.json'),
      log: capturedLog(tmp.dir).log,
    });
    const [outcome] = await alerter.notify([failure]);
    expect(outcome!.attempts).toBeLessThan(10);
    expect(outcome!.duration_ms).toBeLessThan(1600);
    expect(outcome!.reason).toMatch(/deadline/);
  });

  it('retries 503 and 429 until delivered, and does not retry a 404', async () => {
    const flaky = await startHttpSink({ status: (n) => (n === 1 ? 503 : n === 2 ? 429 : 200) });
    const gone = await startHttpSink({ status: 404, body: 'no_service' });
    closers.push(flaky.close, gone.close);
    const alerter = createAlerter({
      config: alertsConfig({
        channels: {
          flaky: { type: 'slack', url: flaky.url('/') },
          gone: { type: 'slack', url: gone.url('/') },
        },
        retry: { attempts: 3, min_delay: '20ms', max_delay: '50ms' },
      }),
      stateFile: path.join(tmp.dir, 'state.json'),
      log: capturedLog(tmp.dir).log,
    });
    const outcomes = await alerter.notify([failure]);
    expect(outcomes).toMatchObject([
      { channel: 'flaky', status: 'sent', attempts: 3 },
      {
        channel: 'gone',
        status: 'failed',
        attempts: 1,
        reason: 'HTTP 404: no_service (the webhook refused the message: check that its URL is current)',
      },
    ]);
    expect(gone.requests).toHaveLength(1);
  });

  it('treats a redirect as a misconfiguration, not followed', async () => {
    const moved = await startHttpSink({ status: 301 });
    closers.push(moved.close);
    const alerter = createAlerter({
      config: alertsConfig({ channels: { moved: { type: 'webhook', url: moved.url('/') } } }),
      stateFile: path.join(tmp.dir, 'state.json'),
      log: capturedLog(tmp.dir).log,
    });
    const [outcome] = await alerter.notify([failure]);
    expect(outcome).toMatchObject({ status: 'failed', attempts: 1 });
    expect(outcome!.reason).toMatch(/^redirected \(HTTP 301\)/);
  });
});
