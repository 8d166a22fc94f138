/** `moh-etl alert test [--channel NAME]`: exit 0 all sent, 1 a channel failed; an unknown name or no channels is a UsageError (exit 2, on stderr). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { alertTest } from '../../../src/observe/alerts/test-command.js';
import { closedPort, startHttpSink, type HttpSink } from '../../helpers/http-sink.js';
import { alertsConfig, capturedLog, tempDir, type TempDir } from './fixture.js';

let tmp: TempDir;
let http: HttpSink;
let down: number;
beforeAll(async () => {
  tmp = tempDir();
  http = await startHttpSink();
  down = await closedPort();
});
afterAll(async () => {
  await http.close();
  tmp.cleanup();
});

async function run(channel: string | undefined, channels: Record<string, unknown>) {
  const lines: string[] = [];
  const code = await alertTest(
    { alerts: alertsConfig({ channels }), root: tmp.dir, log: capturedLog(tmp.dir).log },
    channel,
    (l) => lines.push(l),
  );
  return { code, lines };
}

describe('alertTest', () => {
  const good = () => ({ ops_slack: { type: 'slack', url: http.url('/slack') } });

  it('sends a test message to the named channel and exits 0', async () => {
    const { code, lines } = await run('ops_slack', {
      ...good(),
      siem: { type: 'webhook', url: http.url('/siem') },
    });
    expect(code).toBe(0);
    expect(lines).toEqual([expect.stringMatching(/^ops_slack \(slack\): sent \(1 attempt, \d+ ms\)$/)]);
    const body = http.requests.at(-1)!;
    expect(body.path).toBe('/slack');
    expect(body.json).toMatchObject({
      text: ':information_source: test message from moh-etl to channel ops_slack',
    });
  });

  it('exits 1 when a channel fails, after trying every channel', async () => {
    const before = http.requests.length;
    const { code, lines } = await run(undefined, {
      ...good(),
      down: { type: 'webhook', url: `http://127.0.0.1:${down}/` },
    });
    expect(code).toBe(1);
    expect(lines).toEqual([
      expect.stringMatching(/^ops_slack \(slack\): sent/),
      expect.stringMatching(
        /^down \(webhook\): FAILED — network error \(ECONNREFUSED\) \(2 attempts, \d+ ms\)$/,
      ),
    ]);
    expect(http.requests.length).toBe(before + 1);
  });

  it('refuses an unknown channel (exit 2 through the CLI), suggesting the nearest name', async () => {
    const refused = run('ops_slak', good());
    await expect(refused).rejects.toBeInstanceOf(UsageError);
    await expect(refused).rejects.toMatchObject({
      message: 'unknown channel "ops_slak" (did you mean "ops_slack"?); defined: ops_slack',
      hint: 'channel names are the keys under alerts.channels in config/database.yml',
      exitCode: 2,
    });
  });

  it('refuses when no channel is configured (exit 2 through the CLI)', async () => {
    await expect(run(undefined, {})).rejects.toMatchObject({
      message: 'no alert channels are configured',
      exitCode: 2,
    });
  });
});
