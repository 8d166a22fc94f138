/**
 * The dispatcher: events in, outcomes out. It scrubs every event, routes it to channels, applies
 * each channel's throttle ledger, delivers (channels in parallel, each within its deadline), and
 * records what happened in the state file. It never throws into the pipeline: a channel that is
 * down is a `failed` outcome, logged at warn, for the caller to count.
 */
import { hostname } from 'node:os';
import type { AlertsConfig, ChannelType } from '../../config/alerts-schema.js';
import { unknownChannel } from '../../config/alerts-schema.js';
import { parseDuration } from '../../config/duration.js';
import { UsageError } from '../../errors.js';
import type { Logger } from '../logger.js';
import type { RunSummary } from '../../pipeline/summary.js';
import type { AlertChannel } from './channel.js';
import { deliver, type DeliveryPolicy } from './deliver.js';
import { testEvent, type AlertEvent, type AlertEventKind } from './event.js';
import { eventsFromRun } from './from-run.js';
import { buildMessage, type AlertMessage } from './message.js';
import { createChannel } from './registry.js';
import { routeEvents } from './routing.js';
import { scrubEvent } from './scrub.js';
import { emptyLedger, loadAlertState, saveAlertState, type AlertState } from './state.js';
import { planChannel, recordFailed, recordSent, type ThrottleSettings } from './throttle.js';

/** What happened to alerts on one channel: one per message sent or failed, one per throttle reason. */
export interface AlertOutcome {
  channel: string;
  type: ChannelType;
  status: 'sent' | 'throttled' | 'failed';
  /** Alerts this outcome covers. */
  events: number;
  kinds: AlertEventKind[];
  sources: string[];
  /** sent/failed: whether the alerts went as one grouped message. */
  grouped?: boolean;
  attempts?: number;
  duration_ms?: number;
  /** failed: why, safe to log (a status or error code, never a URL or credential); throttled: duplicate | rate_limit. */
  reason?: string;
}

export interface Alerter {
  /** Configured channel names. */
  readonly channels: string[];
  /** Route, throttle and deliver events. Never rejects. */
  notify(events: readonly AlertEvent[]): Promise<AlertOutcome[]>;
  /** Derive the alerts of a finished run (recovery included, from the state file) and deliver them. */
  notifyRun(run: RunSummary, file?: string): Promise<AlertOutcome[]>;
  /** Send a test message to one channel, or to all; no routing, no throttling. Unknown name → UsageError. */
  test(channel?: string): Promise<AlertOutcome[]>;
}

export interface AlerterOptions {
  config: AlertsConfig;
  /** Absolute path of the state file (alerts.state_file resolved against the project root). */
  stateFile: string;
  log: Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;
  /** Clock for throttle windows. Default: the system clock. */
  now?: () => Date;
  /** Base for relative paths in channel config. Default: process.cwd(). */
  root?: string;
  /** Host name shown in messages. Default: os.hostname(). */
  host?: string;
}

export function createAlerter(options: AlerterOptions): Alerter {
  const { config, log } = options;
  const now = options.now ?? (() => new Date());
  const host = options.host ?? hostname();
  const ms = (d: string) => parseDuration(d)!;
  const policy: DeliveryPolicy = {
    attempts: config.retry.attempts,
    minDelayMs: ms(config.retry.min_delay),
    maxDelayMs: ms(config.retry.max_delay),
    timeoutMs: ms(config.timeout),
    deadlineMs: ms(config.deadline),
  };
  const throttle: ThrottleSettings = {
    windowMs: ms(config.throttle.window),
    maxPerWindow: config.throttle.max_per_window,
    groupAfter: config.throttle.group_after,
  };
  const context = { timeoutMs: policy.timeoutMs, root: options.root ?? process.cwd() };
  const channels = new Map<string, AlertChannel>(
    Object.entries(config.channels).map(([name, c]) => [name, createChannel(name, c, context)]),
  );

  // One dispatch at a time per process: each reads and rewrites the state file.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = queue.then(fn, fn);
    queue = next.catch(() => undefined);
    return next;
  };

  async function send(channel: AlertChannel, message: AlertMessage): Promise<AlertOutcome> {
    const d = await deliver(channel, message, policy);
    const outcome = {
      ...describe(channel, message.events),
      grouped: message.grouped,
      attempts: d.attempts,
      duration_ms: d.duration_ms,
    };
    if (d.ok) {
      log.info({ ...outcome, severity: message.severity }, 'alert sent');
      return { ...outcome, status: 'sent' };
    }
    log.warn({ ...outcome, reason: d.reason }, 'alert could not be delivered');
    return { ...outcome, status: 'failed', reason: d.reason };
  }

  async function dispatch(state: AlertState, events: readonly AlertEvent[]): Promise<AlertOutcome[]> {
    const at = now();
    const routed = routeEvents(events.map(scrubEvent), config);
    const perChannel = await Promise.all(
      [...routed].map(async ([name, list]) => {
        const channel = channels.get(name)!;
        const ledger = (state.channels[name] ??= emptyLedger());
        const plan = planChannel(list, ledger, throttle, at, host);
        const out: AlertOutcome[] = [];
        for (const reason of ['duplicate', 'rate_limit'] as const) {
          const held = plan.throttled.filter((t) => t.reason === reason).map((t) => t.event);
          if (!held.length) continue;
          const o: AlertOutcome = { ...describe(channel, held), status: 'throttled', reason };
          // Repeats are routine; the rate cap dropping alerts is worth a line in the log.
          if (reason === 'duplicate') log.debug(o, 'alert throttled');
          else log.info(o, 'alert held back by the rate cap');
          out.push(o);
        }
        for (const message of plan.messages) {
          const o = await send(channel, message);
          if (o.status === 'sent') recordSent(ledger, message, at);
          else recordFailed(ledger, at);
          out.push(o);
        }
        return out;
      }),
    );
    return perChannel.flat();
  }

  /** Load state, change it, save it; a broken state file or a failed save is logged, never thrown. */
  async function withState(fn: (state: AlertState) => Promise<AlertOutcome[]>): Promise<AlertOutcome[]> {
    try {
      const { state, problem } = loadAlertState(options.stateFile);
      if (problem) log.warn({ problem }, 'alert state file unreadable; starting a new one');
      const outcomes = await fn(state);
      try {
        await saveAlertState(options.stateFile, state, throttle.windowMs, now());
      } catch (e) {
        log.warn({ err: e }, 'could not save the alert state file');
      }
      return outcomes;
    } catch (e) {
      log.error({ err: e }, 'alerting failed unexpectedly');
      return [];
    }
  }

  return {
    channels: [...channels.keys()],
    notify: (events) =>
      channels.size === 0 || events.length === 0
        ? Promise.resolve([])
        : serial(() => withState((state) => dispatch(state, events))),
    notifyRun: (run, file) =>
      channels.size === 0
        ? Promise.resolve([])
        : serial(() =>
            withState((state) => {
              const slaMs = config.sla === undefined ? undefined : ms(config.sla);
              const derived = eventsFromRun(run, { slaMs, previous: state.outcomes, file, now: now() });
              Object.assign(state.outcomes, derived.outcomes);
              return dispatch(state, derived.events);
            }),
          ),
    async test(name) {
      if (name !== undefined && !channels.has(name))
        throw new UsageError(unknownChannel(name, [...channels.keys()]), {
          hint: 'channel names are the keys under alerts.channels in config/database.yml',
        });
      const targets = name === undefined ? [...channels.values()] : [channels.get(name)!];
      return Promise.all(
        targets.map((c) => send(c, buildMessage([scrubEvent(testEvent(c.name, now()))], { host }))),
      );
    },
  };
}

function describe(channel: AlertChannel, events: readonly AlertEvent[]) {
  return {
    channel: channel.name,
    type: channel.type,
    events: events.length,
    kinds: [...new Set(events.map((e) => e.kind))],
    sources: [...new Set(events.flatMap((e) => (e.source ? [e.source] : [])))],
  };
}
