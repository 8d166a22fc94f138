/**
 * Alerts as a pipeline listener: subscribe it with the other `onEvent` consumers, and it turns
 * `run-finished` into `notifyRun`. Listeners are synchronous and the pipeline does not wait for
 * them, so the command awaits `flush()` before it exits (or the process could end mid-delivery).
 */
import type { EventListener } from '../events.js';
import type { Alerter, AlertOutcome } from './alerter.js';

export interface AlertListener {
  listener: EventListener;
  /** Wait for every delivery started so far; resolves with their outcomes. Never rejects. */
  flush: () => Promise<AlertOutcome[]>;
}

export function alertListener(alerter: Alerter): AlertListener {
  const pending: Promise<AlertOutcome[]>[] = [];
  return {
    listener: (event) => {
      if (event.type === 'run-finished') pending.push(alerter.notifyRun(event.record, event.file));
    },
    flush: async () => {
      const done = await Promise.all(pending.splice(0));
      return done.flat();
    },
  };
}
