/**
 * Deciding what one channel is sent, so that a bad night is a handful of messages and not a storm:
 *
 * - **Deduplication**: an alert (kind, job, source) sent within the window is held back and
 *   counted; the next time it is sent it says how many repeats were held back and since when.
 *   A recovery clears its source's entries, so a failure after a recovery is news again.
 * - **Grouping**: more than `group_after` alerts at once (every source failing together) go as one
 *   message listing them.
 * - **Rate cap**: at most `max_per_window` messages per channel per window; beyond it alerts are
 *   counted and the next message that gets through says so.
 *
 * Pure decisions on the channel's ledger (mutated in place); the caller sends and then records.
 */
import type { AlertEvent } from './event.js';
import { buildMessage, type AlertMessage, type Suppressed } from './message.js';
import type { ChannelLedger } from './state.js';

export interface ThrottleSettings {
  windowMs: number;
  maxPerWindow: number;
  groupAfter: number;
}

export type ThrottleReason = 'duplicate' | 'rate_limit';

export interface ChannelPlan {
  messages: AlertMessage[];
  throttled: { event: AlertEvent; reason: ThrottleReason }[];
}

export function planChannel(
  events: readonly AlertEvent[],
  ledger: ChannelLedger,
  settings: ThrottleSettings,
  now: Date,
  host?: string,
): ChannelPlan {
  const t = now.getTime();
  const throttled: ChannelPlan['throttled'] = [];
  const fresh = new Map<string, AlertEvent>();
  const repeats: Record<string, Suppressed> = {};
  for (const e of events) {
    const key = e.dedupe_key;
    const seen = ledger.keys[key];
    if (fresh.has(key)) {
      // The same alert twice in one batch: one message, with the other counted as a repeat.
      const r = (repeats[key] ??= { count: 0, since: e.at });
      r.count++;
      throttled.push({ event: e, reason: 'duplicate' });
    } else if (seen && t - Date.parse(seen.last_sent) < settings.windowMs) {
      seen.suppressed++;
      seen.first_suppressed ??= now.toISOString();
      throttled.push({ event: e, reason: 'duplicate' });
    } else {
      fresh.set(key, e);
      if (seen && seen.suppressed > 0)
        repeats[key] = { count: seen.suppressed, since: seen.first_suppressed ?? seen.last_sent };
    }
  }
  const candidates = [...fresh.values()];
  if (!candidates.length) return { messages: [], throttled };

  const budget =
    settings.maxPerWindow - ledger.sent.filter((s) => t - Date.parse(s) < settings.windowMs).length;
  if (budget <= 0) {
    ledger.rate_suppressed += candidates.length;
    ledger.rate_suppressed_since ??= now.toISOString();
    for (const e of candidates) throttled.push({ event: e, reason: 'rate_limit' });
    return { messages: [], throttled };
  }
  const rate =
    ledger.rate_suppressed > 0
      ? { count: ledger.rate_suppressed, since: ledger.rate_suppressed_since ?? now.toISOString() }
      : undefined;
  const groups =
    candidates.length > settings.groupAfter || candidates.length > budget
      ? [candidates]
      : candidates.map((e) => [e]);
  const messages = groups.map((group, i) =>
    buildMessage(group, {
      repeats: Object.fromEntries(
        group.flatMap((e) => (repeats[e.dedupe_key] ? [[e.dedupe_key, repeats[e.dedupe_key]!]] : [])),
      ),
      rate_suppressed: i === 0 ? rate : undefined,
      host,
    }),
  );
  return { messages, throttled };
}

/** After a message got through: its alerts start a new window, and what it reported is cleared. */
export function recordSent(ledger: ChannelLedger, message: AlertMessage, now: Date): void {
  const at = now.toISOString();
  ledger.sent.push(at);
  if (message.rate_suppressed) {
    ledger.rate_suppressed = 0;
    delete ledger.rate_suppressed_since;
  }
  for (const e of message.events) {
    if (e.kind === 'recovery') {
      const scope = e.dedupe_key.slice(e.dedupe_key.indexOf('|'));
      for (const key of Object.keys(ledger.keys)) if (key.endsWith(scope)) delete ledger.keys[key];
    }
    ledger.keys[e.dedupe_key] = { last_sent: at, suppressed: 0 };
  }
}

export function recordFailed(ledger: ChannelLedger, now: Date): void {
  ledger.failures++;
  ledger.last_failure = now.toISOString();
}
