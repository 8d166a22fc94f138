/**
 * The built CLI as a child process, with faults injected from its observed progress: the state
 * file is polled, and each fault fires once the run's checkpoint lists `afterParts` committed parts
 * — a point in the work, not in time, so it lands mid-run however loaded the machine is.
 *
 *   const run = await runCliChild({
 *     cwd: root,
 *     args: ['extract', '--sources', 'events', '--mode', 'incremental'],
 *     stateFile: path.join(root, 'data/state/events.json'),
 *     faults: [{ afterParts: 3, inject: (run) => void run.child.kill('SIGTERM') }],
 *   });
 *   expect(run.code).toBe(143);
 *   expect(run.fired[0]?.parts).toBeGreaterThanOrEqual(3);
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import type { SourceState } from '../../../src/extract/state.js';
import { BIN } from '../cli.js';

/** Something done to the run (or its world) once it has committed `afterParts` parts. */
export interface Fault {
  afterParts: number;
  inject: (run: RunningCli) => void | Promise<void>;
}

/** The child while it runs, as a fault sees it. */
export interface RunningCli {
  child: ChildProcess;
  /** Output so far. */
  stdout(): string;
  stderr(): string;
  exited(): boolean;
}

export interface CliChildOptions {
  cwd: string;
  args: string[];
  /** The source's state file, whose `pending.parts` is the progress the faults wait for. */
  stateFile: string;
  /** Fired in order, each once; a fault waits for the one before it to finish. */
  faults?: Fault[];
  /** Run the child as this user (needs root). */
  user?: { uid: number; gid: number };
  /** Extra environment (NO_COLOR is always set). */
  env?: NodeJS.ProcessEnv;
  /** Node flags before the script (e.g. `--import` of a preload). */
  nodeArgs?: string[];
  /** SIGKILL after this long (default 60 s): a hung run fails the test instead of hanging it. */
  timeoutMs?: number;
}

export interface FiredFault {
  /** Committed parts in the checkpoint when the fault fired. */
  parts: number;
  /** Milliseconds after the spawn. */
  atMs: number;
}

export interface CliOutcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
  /** The faults that fired, in order (fewer than asked when the run ended first). */
  fired: FiredFault[];
  /** The run was killed by the timeout guard. */
  timedOut: boolean;
}

/** Committed parts of the unfinished run, or undefined while the file is absent or being replaced. */
export function committedParts(stateFile: string): number | undefined {
  try {
    const state = JSON.parse(readFileSync(stateFile, 'utf8')) as SourceState;
    return state.pending?.parts.length;
  } catch {
    return undefined;
  }
}

export function runCliChild(options: CliChildOptions): Promise<CliOutcome> {
  const faults = [...(options.faults ?? [])];
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), BIN, ...options.args], {
      cwd: options.cwd,
      env: { ...process.env, NO_COLOR: '1', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(options.user ?? {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    let exited = false;
    const running: RunningCli = { child, stdout: () => stdout, stderr: () => stderr, exited: () => exited };
    const fired: FiredFault[] = [];
    let injecting: Promise<void> = Promise.resolve();
    let busy = false;
    let faultError: Error | undefined;
    // A checkpoint is a whole-file rename: polling sees either the old or the new state.
    const watch = setInterval(() => {
      const next = faults[0];
      if (!next || busy) return;
      const parts = committedParts(options.stateFile);
      if (parts === undefined || parts < next.afterParts) return;
      faults.shift();
      busy = true;
      fired.push({ parts, atMs: Math.round(performance.now() - t0) });
      injecting = Promise.resolve()
        .then(() => next.inject(running))
        .catch((e: unknown) => void (faultError ??= e instanceof Error ? e : new Error(inspect(e))))
        .finally(() => (busy = false));
    }, 2);
    let timedOut = false;
    const guard = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? 60_000);
    child.on('error', (e) => {
      clearInterval(watch);
      clearTimeout(guard);
      reject(e);
    });
    child.on('exit', () => (exited = true));
    child.on('close', (code, signal) => {
      exited = true;
      clearInterval(watch);
      clearTimeout(guard);
      const ms = Math.round(performance.now() - t0);
      void injecting.then(() => {
        if (faultError) reject(faultError);
        else resolve({ code, signal, stdout, stderr, ms, fired, timedOut });
      });
    });
  });
}

/** The outcome in a few lines, for assertion messages and the test log. */
export function describeOutcome(run: CliOutcome): string {
  const how = run.signal ? `signal ${run.signal}` : `exit ${run.code}`;
  const faults = run.fired.map((f) => `fault at ${f.parts} parts, ${f.atMs} ms`).join('; ');
  return `${how} after ${run.ms} ms${faults ? ` (${faults})` : ''}${run.timedOut ? ' TIMED OUT' : ''}\n--- stdout\n${run.stdout}--- stderr\n${run.stderr}`;
}
