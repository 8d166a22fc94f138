/**
 * Slack incoming webhook: `{ text, blocks }`. `text` is the notification and fallback; the blocks
 * show the title, the facts and, for a grouped message, one line per alert.
 */
import type { SlackChannelConfig } from '../../../config/alerts-schema.js';
import type { ChannelSpec } from '../channel.js';
import { eventLines, messageFacts, type AlertMessage } from '../message.js';
import { postJson } from './http.js';

/** Slack's limits: 150 characters of header text, 3000 of section text. */
const HEADER_MAX = 150;
const SECTION_MAX = 3000;

const ICON: Record<AlertMessage['severity'], string> = {
  info: ':information_source:',
  warn: ':warning:',
  error: ':x:',
  critical: ':rotating_light:',
};

export function slackPayload(m: AlertMessage): { text: string; blocks: unknown[] } {
  const section = (text: string) => ({
    type: 'section',
    text: { type: 'mrkdwn', text: clip(text, SECTION_MAX) },
  });
  const facts = messageFacts(m).map(([k, v]) => `*${escape(k)}:* ${escape(v)}`);
  const lines = eventLines(m).map((l) => `• ${escape(l)}`);
  return {
    text: clip(`${ICON[m.severity]} ${escape(m.title)}`, SECTION_MAX),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: clip(m.title, HEADER_MAX), emoji: true } },
      section(facts.join('\n')),
      ...(lines.length ? [section(lines.join('\n'))] : []),
    ],
  };
}

export const slackChannel: ChannelSpec<SlackChannelConfig> = {
  type: 'slack',
  create: (name, config) => ({
    name,
    type: 'slack',
    send: (m, signal) => postJson(config.url.reveal(), slackPayload(m), signal),
  }),
};

/** Slack's mrkdwn treats &, < and > as control characters. */
function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
