/**
 * SIGINT and SIGTERM ask a run to stop at its next safe point: the part in progress is committed
 * and checkpointed, temporary files are removed, locks released, the run record written as
 * interrupted, and the process exits 130 (SIGINT) or 143 (SIGTERM). A second signal, or a run that
 * has not stopped within STOP_BOUND_MS, ends the process at once with the same code: whatever was
 * committed stays committed, and the next run resumes after it.
 */
import { ExitCode } from '../errors.js';

/** How long a run may take to reach its safe point after the first signal. */
export const STOP_BOUND_MS = 30_000;

let controller: AbortController | undefined;

const codeOf = (signal: NodeJS.Signals): number =>
  signal === 'SIGINT' ? ExitCode.InterruptedBySigint : ExitCode.InterruptedBySigterm;

/**
 * The process's stop signal, with the handlers installed on first use (only commands that run).
 * `boundMs`: how long the command may take to stop after the first signal.
 */
export function stopSignal(boundMs = STOP_BOUND_MS): AbortSignal {
  if (controller) return controller.signal;
  const c = new AbortController();
  controller = c;
  const onSignal = (signal: NodeJS.Signals) => {
    if (c.signal.aborted) process.exit(codeOf(signal));
    process.stderr.write(`\n${signal}: stopping at the next part boundary (again to stop now)\n`);
    c.abort(signal);
    setTimeout(() => process.exit(codeOf(signal)), boundMs).unref();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return c.signal;
}

/** The exit code of an interrupted run: 130 after SIGINT, 143 after SIGTERM (or an abort). */
export function interruptedExitCode(signal: AbortSignal): number {
  return signal.reason === 'SIGINT' ? ExitCode.InterruptedBySigint : ExitCode.InterruptedBySigterm;
}
