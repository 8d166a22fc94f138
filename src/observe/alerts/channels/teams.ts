/**
 * Microsoft Teams webhook. `adaptive_card` (the default) posts a message with one Adaptive Card
 * attachment, which both Teams Workflows webhooks and the remaining incoming-webhook connectors
 * accept; `message_card` posts the legacy Office 365 connector card.
 */
import type { TeamsChannelConfig } from '../../../config/alerts-schema.js';
import type { ChannelSpec } from '../channel.js';
import { eventLines, messageFacts, type AlertMessage } from '../message.js';
import { postJson } from './http.js';

const COLOR: Record<AlertMessage['severity'], { adaptive: string; hex: string }> = {
  info: { adaptive: 'Good', hex: '2E7D32' },
  warn: { adaptive: 'Warning', hex: 'F9A825' },
  error: { adaptive: 'Attention', hex: 'C62828' },
  critical: { adaptive: 'Attention', hex: '8E0000' },
};

export function adaptiveCardPayload(m: AlertMessage): unknown {
  const lines = eventLines(m);
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          msteams: { width: 'Full' },
          body: [
            {
              type: 'TextBlock',
              text: m.title,
              weight: 'Bolder',
              size: 'Medium',
              wrap: true,
              color: COLOR[m.severity].adaptive,
            },
            { type: 'FactSet', facts: messageFacts(m).map(([title, value]) => ({ title, value })) },
            ...(lines.length
              ? [{ type: 'TextBlock', text: lines.map((l) => `- ${l}`).join('\n'), wrap: true }]
              : []),
          ],
        },
      },
    ],
  };
}

export function messageCardPayload(m: AlertMessage): unknown {
  const lines = eventLines(m);
  return {
    '@type': 'MessageCard',
    '@context': 'https://schema.org/extensions',
    summary: m.title,
    themeColor: COLOR[m.severity].hex,
    title: m.title,
    sections: [
      {
        facts: messageFacts(m).map(([name, value]) => ({ name, value })),
        ...(lines.length ? { text: lines.map((l) => `- ${l}`).join('\n\n') } : {}),
      },
    ],
  };
}

export const teamsChannel: ChannelSpec<TeamsChannelConfig> = {
  type: 'teams',
  create: (name, config) => ({
    name,
    type: 'teams',
    send: (m, signal) =>
      postJson(
        config.url.reveal(),
        config.payload === 'message_card' ? messageCardPayload(m) : adaptiveCardPayload(m),
        signal,
      ),
  }),
};
