/**
 * The channel seam: email, Slack, Teams and the generic webhook are each an `AlertChannel` made by
 * a `ChannelSpec` from its config, found through the registry by `type`. The dispatcher never asks
 * which kind of channel it is talking to; a channel only says whether a failure is worth retrying.
 */
import type { ChannelConfig, ChannelType } from '../../config/alerts-schema.js';
import { ExitCode, MohEtlError } from '../../errors.js';
import type { AlertMessage } from './message.js';

export interface AlertChannel {
  readonly name: string;
  readonly type: ChannelType;
  /**
   * Deliver one message, or throw a `DeliveryError` saying whether a retry can help. Must give up
   * promptly once `signal` aborts (the attempt's timeout or the dispatch's deadline).
   */
  send(message: AlertMessage, signal: AbortSignal): Promise<void>;
}

export interface ChannelContext {
  /** Longest one attempt may take (alerts.timeout), for clients with their own timers (SMTP). */
  timeoutMs: number;
  /** Base for relative paths in channel config (a CA file). */
  root: string;
}

export interface ChannelSpec<C extends ChannelConfig = ChannelConfig> {
  readonly type: C['type'];
  create(name: string, config: C, context: ChannelContext): AlertChannel;
}

/**
 * A message could not be delivered. The message is safe to log: it names a status, an error code
 * or a timeout — never a URL, a header or a credential.
 */
export class DeliveryError extends MohEtlError {
  readonly code = 'ALERT_DELIVERY';
  // Only `alert test` turns this into an exit code; during a run it is logged and counted.
  readonly exitCode = ExitCode.RunFailure;
}

export function formatMs(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${+(ms / 1000).toFixed(1)} s`;
}
