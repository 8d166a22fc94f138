/**
 * Generic JSON webhook (a SIEM, an on-call system, a script): the message as data. The body is an
 * envelope holding the events themselves, so one shape serves a single alert and a group.
 */
import type { WebhookChannelConfig } from '../../../config/alerts-schema.js';
import type { ChannelSpec } from '../channel.js';
import { renderText, type AlertMessage } from '../message.js';
import { postJson } from './http.js';

/** Bumped only if a field changes meaning; fields are only ever added. */
export const WEBHOOK_SCHEMA = 'moh-etl.alert/1';

export function webhookPayload(m: AlertMessage): Record<string, unknown> {
  return {
    schema: WEBHOOK_SCHEMA,
    title: m.title,
    severity: m.severity,
    host: m.host,
    grouped: m.grouped,
    events: m.events,
    repeats: m.repeats,
    ...(m.rate_suppressed ? { rate_suppressed: m.rate_suppressed } : {}),
    text: renderText(m),
  };
}

export const webhookChannel: ChannelSpec<WebhookChannelConfig> = {
  type: 'webhook',
  create: (name, config) => ({
    name,
    type: 'webhook',
    send: (m, signal) => {
      const headers = Object.fromEntries(Object.entries(config.headers).map(([k, v]) => [k, v.reveal()]));
      return postJson(config.url.reveal(), webhookPayload(m), signal, headers);
    },
  }),
};
