/**
 * Channel types by name, like the writers' registry: adding a channel type is one spec and one
 * line here; the dispatcher and `alert test` find it by the `type:` in config.
 */
import type { ChannelConfig, ChannelType } from '../../config/alerts-schema.js';
import { UsageError } from '../../errors.js';
import type { AlertChannel, ChannelContext, ChannelSpec } from './channel.js';
import { emailChannel } from './channels/email.js';
import { slackChannel } from './channels/slack.js';
import { teamsChannel } from './channels/teams.js';
import { webhookChannel } from './channels/webhook.js';

const CHANNELS = new Map<ChannelType, ChannelSpec>(
  [emailChannel, slackChannel, teamsChannel, webhookChannel].map((s) => [s.type, s as ChannelSpec]),
);

export function availableChannelTypes(): ChannelType[] {
  return [...CHANNELS.keys()];
}

/** The channel for a configured entry; the error lists the types this build can send to. */
export function createChannel(name: string, config: ChannelConfig, context: ChannelContext): AlertChannel {
  const spec = CHANNELS.get(config.type);
  if (!spec)
    throw new UsageError(
      `alert channel type "${config.type}" is not available (available: ${availableChannelTypes().join(', ')})`,
    );
  return spec.create(name, config, context);
}
