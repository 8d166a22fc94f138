/**
 * The last lines survive process.exit: a CLI exits with process.exit after its grace period or on
 * a fatal error, and pino-roll opens its files asynchronously. Real child processes, real files.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, lstatSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRolledName } from '../../../src/observe/log-names.js';
import { transpileTree } from '../schedule/transpiled.js';
import { tempDir } from '../../unit/observe/fixtures.js';

let work: { dir: string; cleanup: () => void };
let script: string;

beforeAll(() => {
  work = tempDir();
  transpileTree(['test/integration/observe/fixtures/log-child.ts'], path.join(work.dir, 'js'));
  script = path.join(work.dir, 'js/test/integration/observe/fixtures/log-child.js');
});
afterAll(() => work.cleanup());

function runChild(name: string, env: Record<string, string>): string {
  const dir = path.join(work.dir, name, 'logs');
  const r = spawnSync(process.execPath, [script], {
    env: { ...process.env, LOG_DIR: dir, ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  expect(r.stderr.replace(/^error  ?the last error\n/m, '')).toBe('');
  expect(r.status).toBe(0);
  return dir;
}

/** Every record of one log, across its rotated files. */
function lines(dir: string, base: string): Record<string, unknown>[] {
  return readdirSync(dir)
    .filter((f) => parseRolledName(base, f))
    .flatMap((f) => readFileSync(path.join(dir, f), 'utf8').split('\n').filter(Boolean))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

function expectAll(dir: string, n: number): void {
  const extraction = lines(dir, 'extraction');
  expect(extraction).toHaveLength(n + 1);
  expect(new Set(extraction.map((r) => r.i)).size).toBe(n + 1);
  expect(lines(dir, 'errors').map((r) => r.msg)).toEqual(['the last error']);
  expect(lines(dir, 'audit').map((r) => r.command)).toEqual(['child']);
}

describe('process.exit right after logging', () => {
  it('after flushLogger: every line, across rotated files', () => {
    const dir = runChild('flush', { MODE: 'flush', LINES: '5000', MAX_BYTES: '65536' });
    expect(readdirSync(dir).filter((f) => parseRolledName('extraction', f)).length).toBeGreaterThan(1);
    expectAll(dir, 5000);
  });

  it('after closeLogger: every line', () => {
    expectAll(runChild('close', { MODE: 'close', LINES: '2000' }), 2000);
  });

  it('without waiting at all (the files were not open yet): the exit hook writes what waited', () => {
    expectAll(runChild('immediate', { MODE: 'immediate', LINES: '2000' }), 2000);
  });

  it('under umask 000 the directories are 0750 and the files 0640', () => {
    const dir = runChild('modes', { MODE: 'flush', LINES: '10', UMASK: '000' });
    expect(statSync(dir).mode & 0o777).toBe(0o750);
    for (const f of readdirSync(dir).filter((f) => !lstatSync(path.join(dir, f)).isSymbolicLink()))
      expect([f, statSync(path.join(dir, f)).mode & 0o777]).toEqual([f, 0o640]);
  });
});
