/**
 * What alerting remembers between processes, in one small JSON file (alerts.state_file): the last
 * outcome per (job or command, source), for recovery alerts, and per channel the throttle ledger —
 * when each alert was last sent and how many repeats were held back since.
 *
 * The file is written atomically (a reader sees the old or the new state, never half). Two
 * processes alerting at the same moment can lose one's ledger update (last writer wins): the cost
 * is one repeated or one missing "repeated N times" count, which is why no lock is taken here.
 * An unreadable file is replaced, not fatal: alerting must never fail a run.
 */
import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../../write/atomic.js';
import type { OutcomeRecord } from './from-run.js';

export const ALERT_STATE_VERSION = 1;

/** One alert (dedupe key) on one channel. */
export interface KeyLedger {
  last_sent: string;
  /** Repeats held back since last_sent. */
  suppressed: number;
  first_suppressed?: string;
}

export interface ChannelLedger {
  /** Instants of the messages sent within the current throttle window (the rate cap counts them). */
  sent: string[];
  keys: Record<string, KeyLedger>;
  /** Alerts held back by the rate cap since the last message that got through. */
  rate_suppressed: number;
  rate_suppressed_since?: string;
  /** Deliveries that failed after every retry, ever (for `status` and metrics). */
  failures: number;
  last_failure?: string;
}

export interface AlertState {
  version: typeof ALERT_STATE_VERSION;
  outcomes: Record<string, OutcomeRecord>;
  channels: Record<string, ChannelLedger>;
}

export function emptyState(): AlertState {
  return { version: ALERT_STATE_VERSION, outcomes: {}, channels: {} };
}

export function emptyLedger(): ChannelLedger {
  return { sent: [], keys: {}, rate_suppressed: 0, failures: 0 };
}

export interface LoadedState {
  state: AlertState;
  /** Why the file was not used, when it existed but could not be read. */
  problem?: string;
}

export function loadAlertState(file: string): LoadedState {
  if (!existsSync(file)) return { state: emptyState() };
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<AlertState>;
    if (parsed.version !== ALERT_STATE_VERSION || typeof parsed.outcomes !== 'object')
      return { state: emptyState(), problem: `unknown state version ${String(parsed.version)}` };
    return {
      state: { version: ALERT_STATE_VERSION, outcomes: parsed.outcomes, channels: parsed.channels ?? {} },
    };
  } catch (e) {
    return { state: emptyState(), problem: (e as Error).message.split('\n')[0] ?? 'unreadable' };
  }
}

/** Entries older than this are dropped even with repeats pending: the condition is long gone. */
const KEEP_MS = 7 * 86_400_000;

export async function saveAlertState(
  file: string,
  state: AlertState,
  windowMs: number,
  now: Date,
): Promise<void> {
  await writeFileAtomic(file, JSON.stringify(prune(state, windowMs, now), null, 2) + '\n', 0o640);
}

/** Forget what no longer affects a decision, so the file stays small. */
export function prune(state: AlertState, windowMs: number, now: Date): AlertState {
  const t = now.getTime();
  const within = (iso: string, ms: number) => t - Date.parse(iso) < ms;
  const channels: Record<string, ChannelLedger> = {};
  for (const [name, ledger] of Object.entries(state.channels)) {
    const keys = Object.fromEntries(
      Object.entries(ledger.keys).filter(
        ([, k]) => within(k.last_sent, windowMs) || (k.suppressed > 0 && within(k.last_sent, KEEP_MS)),
      ),
    );
    channels[name] = { ...ledger, sent: ledger.sent.filter((s) => within(s, windowMs)), keys };
  }
  return { ...state, channels };
}
