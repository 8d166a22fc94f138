/** The child-process runner with real processes: exit codes, SIGTERM forwarding, SIGKILL escalation. */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { jobSchema } from '../../../src/config/schedule-schema.js';
import type { RunJobContext } from '../../../src/schedule/run-job.js';
import { classifyExit, spawnJobRunner } from '../../../src/schedule/spawn-job.js';
import { waitFor } from './processes.js';

const job = jobSchema.parse({ cron: '@daily' });

/**
 * Run `node -e script` as a job. With `stopWhenReady`, its signal is aborted once the script has
 * created the file named by $READY (after installing its SIGTERM handler), so a slow start cannot
 * make the stop request arrive first.
 */
async function run(
  script: string,
  options: { stopWhenReady?: boolean; killAfterMs?: number; skipped?: number[] } = {},
) {
  const controller = new AbortController();
  const context: RunJobContext = {
    signal: controller.signal,
    scheduledFor: new Date('2025-01-01T18:00:00Z'),
    catchUp: false,
    sources: ['attendances'],
  };
  const dir = mkdtempSync(path.join(tmpdir(), 'moh-etl-spawn-'));
  const ready = path.join(dir, 'ready');
  const runner = spawnJobRunner({
    command: process.execPath,
    args: (name, ctx) => ['-e', script, name, ctx.scheduledFor.toISOString()],
    cwd: dir,
    env: { ...process.env, READY: ready },
    stdio: 'ignore',
    killAfterMs: options.killAfterMs ?? 10_000,
    ...(options.skipped ? { skippedExitCodes: options.skipped } : {}),
  });
  try {
    const result = runner('daily', job, context);
    if (options.stopWhenReady) {
      await waitFor('the child to be ready', () => existsSync(ready));
      controller.abort();
    }
    return await result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const READY = `require('node:fs').writeFileSync(process.env.READY, '');`;
const STOPS_ON_SIGTERM = `process.on('SIGTERM', () => process.exit(143)); ${READY} setInterval(() => {}, 1000);`;
const IGNORES_SIGTERM = `process.on('SIGTERM', () => {}); ${READY} setInterval(() => {}, 1000);`;

describe('spawnJobRunner', () => {
  it('passes the job name and scheduled time, and maps exit 0 and failures', async () => {
    const check = `process.exit(process.argv[1] === 'daily' && process.argv[2] === '2025-01-01T18:00:00.000Z' ? 0 : 9)`;
    await expect(run(check)).resolves.toEqual({ status: 'succeeded', exitCode: 0 });
    await expect(run('process.exit(3)')).resolves.toEqual({ status: 'failed', exitCode: 3 });
    await expect(run('process.exit(75)', { skipped: [75] })).resolves.toEqual({
      status: 'skipped',
      exitCode: 75,
    });
  });

  it('forwards a stop request as SIGTERM; the run stops and is interrupted', async () => {
    await expect(run(STOPS_ON_SIGTERM, { stopWhenReady: true })).resolves.toEqual({
      status: 'interrupted',
      exitCode: 143,
    });
  });

  it('kills a run that ignores SIGTERM after killAfterMs', async () => {
    await expect(run(IGNORES_SIGTERM, { stopWhenReady: true, killAfterMs: 300 })).resolves.toEqual({
      status: 'interrupted',
      exitCode: 137,
    });
  });

  it('rejects when the program cannot be started', async () => {
    const runner = spawnJobRunner({
      command: '/nonexistent/moh-etl',
      args: () => [],
      cwd: tmpdir(),
      stdio: 'ignore',
    });
    const context = {
      signal: new AbortController().signal,
      scheduledFor: new Date(),
      catchUp: false,
      sources: [],
    };
    await expect(runner('daily', job, context)).rejects.toThrow(/ENOENT/);
  });
});

describe('classifyExit', () => {
  it('tells an interruption from a failure', () => {
    expect(classifyExit(143, null, false)).toEqual({ status: 'interrupted', exitCode: 143 });
    expect(classifyExit(null, 'SIGTERM', false)).toEqual({ status: 'interrupted', exitCode: 143 });
    expect(classifyExit(1, null, true)).toEqual({ status: 'interrupted', exitCode: 1 });
    expect(classifyExit(null, 'SIGKILL', false)).toEqual({ status: 'failed', exitCode: 137 });
    expect(classifyExit(0, null, true)).toEqual({ status: 'succeeded', exitCode: 0 });
    expect(classifyExit(2, null, false)).toEqual({ status: 'failed', exitCode: 2 });
  });
});
