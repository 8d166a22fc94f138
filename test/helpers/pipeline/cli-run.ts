/**
 * The built CLI as a child process that can be killed -9 at a chosen moment of its run:
 * `moh-etl run --json` prints one NDJSON event per line as it happens (observe/events.ts), so the
 * parent sees each phase start and can aim a SIGKILL at it, or at a file appearing in the project
 * (a staged part, a load's `.work-` directory).
 *
 *   const r = await runCli(['run', '--json'], { cwd: root, kill: { on: 'phase', source: 'attendances', phase: 'load', delayMs: 40 } });
 *   r.signal === 'SIGKILL'; r.firedAfter → 'attendances load started, +40 ms'
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import type { PipelineEvent } from '../../../src/observe/events.js';
import type { Phase } from '../../../src/pipeline/summary.js';
import { BIN } from '../cli.js';

/**
 * When to kill: `delayMs` after a source's phase starts, or after a file whose name starts with
 * `prefix` appears in `dir` or one of its subdirectories (`dir` relative to the project root).
 */
export type KillAt =
  | { on: 'phase'; source: string; phase: Phase; delayMs: number }
  | { on: 'file'; dir: string; prefix: string; delayMs: number };

export interface CliRunOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  kill?: KillAt;
  /** SIGKILL the child and fail after this long (default 120 s). */
  timeoutMs?: number;
}

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The NDJSON lines that parsed as events (and the final `summary` line). */
  events: (PipelineEvent | { type: 'summary' })[];
  /** What the kill was aimed at, when it was sent. */
  fired?: string;
  /** The last event the child printed before it died (or finished). */
  lastEvent?: string;
}

export function runCli(args: string[], options: CliRunOptions): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd,
      env: { ...process.env, NO_COLOR: '1', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const run: CliRun = { code: null, signal: null, stdout: '', stderr: '', events: [] };
    let pending = '';
    let killTimer: NodeJS.Timeout | undefined;
    let poll: NodeJS.Timeout | undefined;
    const kill = options.kill;
    const arm = (what: string) => {
      if (!kill || killTimer || run.fired) return;
      if (poll) clearInterval(poll);
      killTimer = setTimeout(() => {
        run.fired = `${what}, +${kill.delayMs} ms`;
        child.kill('SIGKILL');
      }, kill.delayMs);
    };
    if (kill?.on === 'file') {
      const dir = path.resolve(options.cwd, kill.dir);
      // Only a file this run makes: what an earlier run left there does not count.
      const before = new Set(matching(dir, kill.prefix, 1));
      poll = setInterval(() => {
        if (matching(dir, kill.prefix, 1).some((p) => !before.has(p)))
          arm(`${kill.prefix}… appeared under ${kill.dir}`);
      }, 2);
    }
    const timeout = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`moh-etl ${args.join(' ')} did not finish in ${options.timeoutMs ?? 120_000} ms`));
    }, options.timeoutMs ?? 120_000);

    child.stdout.on('data', (d: Buffer) => {
      run.stdout += d.toString();
      pending += d.toString();
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        const event = parseEvent(line);
        if (!event) continue;
        run.events.push(event);
        run.lastEvent = describe(event);
        if (
          kill?.on === 'phase' &&
          event.type === 'phase-started' &&
          event.source === kill.source &&
          event.phase === kill.phase
        )
          arm(`${kill.source} ${kill.phase} started`);
      }
    });
    child.stderr.on('data', (d: Buffer) => (run.stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timeout);
      clearTimeout(killTimer);
      if (poll) clearInterval(poll);
      resolve({ ...run, code, signal });
    });
  });
}

/** Paths under `dir` (its subdirectories `depth` levels down included) whose names start with `prefix`. */
function matching(dir: string, prefix: string, depth: number): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return []; // not there yet, or removed while we looked
  }
  return entries.flatMap((e) => {
    const p = path.join(dir, e.name);
    const below = depth > 0 && e.isDirectory() ? matching(p, prefix, depth - 1) : [];
    return e.name.startsWith(prefix) ? [p, ...below] : below;
  });
}

function parseEvent(line: string): CliRun['events'][number] | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const value = JSON.parse(line) as { type?: unknown };
    return typeof value.type === 'string' ? (value as CliRun['events'][number]) : undefined;
  } catch {
    return undefined;
  }
}

function describe(e: CliRun['events'][number]): string {
  if (e.type === 'phase-started') return `${e.source} ${e.phase} started`;
  if (e.type === 'phase-finished') return `${e.source} ${e.phase} ${e.record.status}`;
  if (e.type === 'source-finished') return `${e.result.source} finished`;
  return e.type;
}
