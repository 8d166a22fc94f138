/** Alerts: typed events from runs and the scheduler, routed and throttled, sent to channels. */
export { createAlerter, type Alerter, type AlerterOptions, type AlertOutcome } from './alerter.js';
export { alertListener, type AlertListener } from './listener.js';
export { alertTest, type AlertTestInput } from './test-command.js';
export {
  alertEvent,
  dedupeKey,
  lateJobEvent,
  missedScheduleEvent,
  testEvent,
  type AlertEvent,
  type AlertEventKind,
  type AlertKind,
  type AlertSeverity,
} from './event.js';
export { eventsFromRun, outcomeKey, type FromRunOptions, type OutcomeRecord } from './from-run.js';
export { availableChannelTypes, createChannel } from './registry.js';
export { DeliveryError, type AlertChannel, type ChannelContext, type ChannelSpec } from './channel.js';
export { scrubText } from './scrub.js';
export { loadAlertState, type AlertState } from './state.js';
