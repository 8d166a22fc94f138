/**
 * One process measured as a user runs it (scripts/bench.ts): spawned under GNU time, wall time from
 * spawn to exit, CPU (user + system) and peak RSS from GNU time. The same method as
 * bench-pipeline-project.ts `runMeasured`, for any program, with stdout optionally sent to a file
 * (`mariadb … > file`).
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import type { RunWatcher } from './bench-pipeline-project.js';

const GNU_TIME = '/usr/bin/time';
const TIME_MARK = '@@moh-bench-whole-time';

/** What a measured process did. */
export interface Timed {
  code: number | null;
  /** Spawn to exit, as the user waits for it. */
  wallSeconds: number;
  /** User + system seconds of the process and its threads (GNU time); undefined without /usr/bin/time. */
  cpuSeconds?: number;
  /** Peak resident set (GNU time's %M); undefined without /usr/bin/time. */
  peakRssBytes?: number;
  /** Standard output (empty when it went to a file). */
  stdout: string;
  stderr: string;
}

export interface TimedOptions {
  cwd?: string;
  /** Added to this process's environment. */
  env?: NodeJS.ProcessEnv;
  /** Standard output goes to this file (created or truncated), as a shell's `> file`. */
  stdoutFile?: string;
}

/** Measured processes still running (GNU time's pid): killed with their child on Ctrl-C. */
const running = new Set<number>();

/**
 * Kills every measured process still running, and its child: GNU time ignores SIGINT and does not
 * pass a signal on, so its child (the measured program) is killed by pid, read from /proc.
 */
export function killRunningSync(): void {
  for (const pid of running) {
    let children: string[] = [];
    try {
      children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/);
    } catch {
      // gone, or not Linux
    }
    for (const id of [...children.filter(Boolean).map(Number), pid]) {
      try {
        process.kill(id, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  running.clear();
}

/** A watcher for bench-pipeline-project.ts `runMeasured`: its process is killed on Ctrl-C too. */
export function killableWatcher(): RunWatcher {
  let pid: number | undefined;
  return {
    start: (p) => void running.add((pid = p)),
    line: () => undefined,
    stop: () => void (pid !== undefined && running.delete(pid)),
  };
}

/** True when peak RSS and CPU can be measured (GNU time is installed). */
export const canMeasureResources = (): boolean => existsSync(GNU_TIME);

/** Runs `file args` under GNU time (when installed) and resolves when it has exited. */
export function timed(file: string, args: string[], opts: TimedOptions = {}): Promise<Timed> {
  const measured = canMeasureResources();
  const [command, argv] = measured
    ? [GNU_TIME, ['-f', `${TIME_MARK} %U %S %M`, file, ...args]]
    : [file, args];
  const out = opts.stdoutFile === undefined ? 'pipe' : openSync(opts.stdoutFile, 'w');
  const t0 = performance.now();
  return new Promise<Timed>((resolve, reject) => {
    const child = spawn(command, argv, {
      cwd: opts.cwd,
      env: { ...process.env, NO_COLOR: '1', ...opts.env },
      stdio: ['ignore', out, 'pipe'],
    });
    const pid = child.pid;
    if (pid !== undefined) running.add(pid);
    // The child holds its own copy of the descriptor from here on.
    if (typeof out === 'number') closeSync(out);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (pid !== undefined) running.delete(pid);
      const wallSeconds = (performance.now() - t0) / 1000;
      const line = stderr.split('\n').find((l) => l.startsWith(TIME_MARK));
      if (!line) return resolve({ code, wallSeconds, stdout, stderr });
      const [user, sys, kb] = line.slice(TIME_MARK.length).trim().split(/\s+/).map(Number);
      resolve({
        code,
        wallSeconds,
        cpuSeconds: (user ?? 0) + (sys ?? 0),
        peakRssBytes: (kb ?? 0) * 1024,
        stdout,
        stderr: stderr.replace(`${line}\n`, ''),
      });
    });
  });
}

/** The last lines of a failed process's stderr, for an error message (no cell values are printed there). */
export function tail(text: string, lines = 8): string {
  return text.trim().split('\n').slice(-lines).join('\n');
}
