/**
 * Run the built CLI as a user would, as test/helpers/cli.ts does, but asynchronously so that two
 * cases run at once on a two-core machine (each `node` start costs about half a second).
 */
import { spawn } from 'node:child_process';
import { BIN } from '../cli.js';
import type { Outcome } from './run-in-process.js';

/**
 * Variables a case sets in `.env` (one left in the environment would override the case's own),
 * and MOH_ETL_HOME, which would point every case at another project.
 */
export const CASE_VARIABLES = [
  'MOH_DEMO_DB',
  'MOH_FUZZ_CANARY',
  'MOH_FUZZ_HOOK',
  'MOH_PSEUDONYM_KEY',
  'MOH_ETL_HOME',
];

export function caseEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  for (const name of CASE_VARIABLES) delete env[name];
  return env;
}

export function runChild(cwd: string, args: string[], watchdogMs: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: caseEnvironment() });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    let hung = false;
    const timer = setTimeout(() => {
      hung = true;
      child.kill('SIGKILL');
    }, watchdogMs);
    const finish = (code: number, threw?: string) => {
      clearTimeout(timer);
      resolve({
        code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        ms: performance.now() - t0,
        hung,
        threw,
        unhandled: [],
      });
    };
    child.on('error', (e) => finish(-1, e.message));
    child.on('close', (code, signal) => finish(code ?? (signal ? 128 : -1)));
  });
}
