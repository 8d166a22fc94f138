/**
 * A `RunJob` that runs each job as a child process (`moh-etl run --job NAME`): a run's memory,
 * handles and crashes stay in the child, so the scheduler can run for months. A stop request is
 * forwarded as SIGTERM (the run stops at its next part boundary and checkpoints); a child still
 * alive `killAfterMs` later gets SIGKILL (it resumes from its last committed part).
 */
import { spawn, type StdioOptions } from 'node:child_process';
import { constants } from 'node:os';
import type { RunJob, RunJobContext, RunJobResult } from './run-job.js';

export interface SpawnJobOptions {
  /** The program, e.g. process.execPath. */
  command: string;
  /** Its arguments for one job, e.g. `[bin, 'run', '--job', name]`. */
  args: (jobName: string, context: RunJobContext) => string[];
  cwd: string;
  /** Default: this process's environment. */
  env?: NodeJS.ProcessEnv;
  /** SIGKILL this long after SIGTERM. Default 60 s. */
  killAfterMs?: number;
  /** Default 'inherit': the run's own output goes where the scheduler's goes (the journal). */
  stdio?: StdioOptions;
  /** Exit codes that mean "stopped early on request". Default 130 (SIGINT) and 143 (SIGTERM). */
  interruptedExitCodes?: readonly number[];
  /** Exit codes that mean "declined to start" (a source was busy). Default none. */
  skippedExitCodes?: readonly number[];
}

export const DEFAULT_KILL_AFTER_MS = 60_000;

/** A RunJob that spawns one child process per run. */
export function spawnJobRunner(options: SpawnJobOptions): RunJob {
  return (jobName, _job, context) => runChild(options, jobName, context);
}

function runChild(options: SpawnJobOptions, jobName: string, context: RunJobContext): Promise<RunJobResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(options.command, options.args(jobName, context), {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: options.stdio ?? 'inherit',
    });
    let killTimer: NodeJS.Timeout | undefined;
    const stop = () => {
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), options.killAfterMs ?? DEFAULT_KILL_AFTER_MS);
    };
    if (context.signal.aborted) stop();
    else context.signal.addEventListener('abort', stop, { once: true });
    child.once('error', (e) => {
      context.signal.removeEventListener('abort', stop);
      clearTimeout(killTimer);
      reject(e);
    });
    child.once('exit', (code, signal) => {
      context.signal.removeEventListener('abort', stop);
      clearTimeout(killTimer);
      resolve(classifyExit(code, signal, context.signal.aborted, options));
    });
  });
}

/**
 * What an exit means. A child we asked to stop that did not exit 0 was interrupted (it may have
 * exited 1 on the way down); one we did not ask was interrupted only by a stop signal's exit code
 * or the signal itself (systemd stops a whole control group at once), and otherwise failed.
 */
export function classifyExit(
  code: number | null,
  signal: NodeJS.Signals | null,
  askedToStop: boolean,
  options: Pick<SpawnJobOptions, 'interruptedExitCodes' | 'skippedExitCodes'> = {},
): RunJobResult {
  const exitCode = code ?? 128 + signalNumber(signal);
  if (code === 0) return { status: 'succeeded', exitCode };
  if (code !== null && (options.skippedExitCodes ?? []).includes(code))
    return { status: 'skipped', exitCode };
  const stopCodes = options.interruptedExitCodes ?? [130, 143];
  const stoppedBySignal = signal === 'SIGTERM' || signal === 'SIGINT';
  if (askedToStop || stoppedBySignal || stopCodes.includes(exitCode))
    return { status: 'interrupted', exitCode };
  return { status: 'failed', exitCode };
}

function signalNumber(signal: NodeJS.Signals | null): number {
  return signal ? (constants.signals[signal] ?? 0) : 0;
}
