/** Child processes for the scheduler's integration tests: spawn a fixture, read its output, wait. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** Where transpileTree puts the fixtures (test/integration/schedule/fixtures/*.ts → .js). */
export const fixturesIn = (transpiled: string) => path.join(transpiled, 'test/integration/schedule/fixtures');

export interface Child {
  process: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or the signal that ended it). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** JSON lines printed so far. */
  events(): Record<string, unknown>[];
}

const running = new Set<ChildProcess>();

/** Run a transpiled fixture (`dir/<script>`) with node and `env` added to ours. */
export function spawnFixture(dir: string, script: string, env: Record<string, string>): Child {
  const child = spawn(process.execPath, [path.join(dir, script)], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let out = '';
  let err = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (err += b.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    }),
  );
  return {
    process: child,
    stdout: () => out,
    stderr: () => err,
    exited,
    events: () =>
      out
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

/** Kill whatever a failed test left running (by pid, only our own children). */
export function killLeftovers(): void {
  for (const child of running) child.kill('SIGKILL');
}

/** Poll `check` until it is truthy; fail with `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => T, timeoutMs = 20_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}
