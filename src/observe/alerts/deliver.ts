/**
 * One message to one channel, retried while a retry can help and the dispatch's deadline allows.
 * Never throws: a channel that is down is an outcome to log and count, not an error in the run.
 */
import pRetry from 'p-retry';
import { DeliveryError, formatMs, type AlertChannel } from './channel.js';
import type { AlertMessage } from './message.js';
import { scrubText } from './scrub.js';

export interface DeliveryPolicy {
  /** Attempts in all, the first included (alerts.retry.attempts). */
  attempts: number;
  minDelayMs: number;
  maxDelayMs: number;
  /** Longest one attempt may take (alerts.timeout). */
  timeoutMs: number;
  /** Longest the whole delivery may take, retries and waits included (alerts.deadline). */
  deadlineMs: number;
}

export type Delivery =
  | { ok: true; attempts: number; duration_ms: number }
  | { ok: false; attempts: number; duration_ms: number; reason: string; retryable: boolean };

export async function deliver(
  channel: AlertChannel,
  message: AlertMessage,
  policy: DeliveryPolicy,
): Promise<Delivery> {
  const t0 = performance.now();
  const elapsed = () => Math.round(performance.now() - t0);
  const deadline = AbortSignal.timeout(policy.deadlineMs);
  let attempts = 0;
  let last: DeliveryError | undefined;
  try {
    await pRetry(
      async () => {
        attempts++;
        const signal = AbortSignal.any([deadline, AbortSignal.timeout(policy.timeoutMs)]);
        try {
          await channel.send(message, signal);
        } catch (e) {
          last = asDeliveryError(e, signal, deadline, policy);
          throw last;
        }
      },
      {
        retries: policy.attempts - 1,
        minTimeout: policy.minDelayMs,
        maxTimeout: policy.maxDelayMs,
        randomize: true,
        maxRetryTime: policy.deadlineMs,
        signal: deadline,
        shouldRetry: ({ error }) => error instanceof DeliveryError && error.retryable,
      },
    );
    return { ok: true, attempts, duration_ms: elapsed() };
  } catch {
    const reason = last?.message ?? `deadline of ${formatMs(policy.deadlineMs)} passed`;
    const cut =
      deadline.aborted && last && !last.message.startsWith('deadline') ? '; then the deadline passed' : '';
    return {
      ok: false,
      attempts,
      duration_ms: elapsed(),
      reason: `${reason}${cut}${last?.hint ? ` (${last.hint})` : ''}`,
      retryable: last?.retryable ?? true,
    };
  }
}

/** Whatever a channel threw, as a DeliveryError whose message is safe to log. */
function asDeliveryError(
  e: unknown,
  signal: AbortSignal,
  deadline: AbortSignal,
  policy: DeliveryPolicy,
): DeliveryError {
  // Both signals abort with a TimeoutError; which one fired is told by the deadline's own state.
  if (deadline.aborted)
    return new DeliveryError(`deadline of ${formatMs(policy.deadlineMs)} passed`, { retryable: true });
  if (signal.aborted)
    return new DeliveryError(`timed out after ${formatMs(policy.timeoutMs)}`, { retryable: true });
  if (e instanceof DeliveryError) return e;
  // Not a classified failure: a bug in a channel. Its text is scrubbed, and retrying would not help.
  const text = e instanceof Error ? e.message : String(e);
  return new DeliveryError(`unexpected error: ${scrubText(text)}`);
}
