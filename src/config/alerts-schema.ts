/**
 * The `alerts:` section of config/database.yml: named channels (email, Slack, Teams, a generic JSON
 * webhook), per-event routes, throttling, retries and deadlines. Every object is strict, so a
 * misspelt key is an error naming its path. URLs, passwords and header values become `Secret`s
 * while parsing: they never print. Cross-field rules (a route naming an unknown channel) are in
 * `alertsRules` below.
 */
import * as z from 'zod';
import { closest } from './suggest.js';
import { parseDuration } from './duration.js';
import { DAY, durationSchema, MINUTE, nameSchema as identifier } from './fields.js';
import { Secret } from './secret.js';

/** What an alert can be about. `test` (from `moh-etl alert test`) is not routable: it goes everywhere asked. */
export const ALERT_KINDS = [
  'run_failure',
  'validation_critical',
  'row_count_anomaly',
  'freshness',
  'sla',
  'missed_schedule',
  'recovery',
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

/** Alert severities, least severe first (the order `min_severity` compares in). */
export const ALERT_SEVERITIES = ['info', 'warn', 'error', 'critical'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

export const CHANNEL_TYPES = ['email', 'slack', 'teams', 'webhook'] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

/** A credential: text in YAML, a `Secret` after parsing. Numbers are accepted (an all-digit password). */
const secret = z
  .union([z.string(), z.number()], { error: 'expected text' })
  .transform((v) => new Secret(String(v)))
  .meta({ description: 'A credential. Write it as ${ENV_VAR}; it is never printed or logged.' });

/** Webhook URLs carry their own credential (Slack's and Teams' tokens are in the path). */
const secretUrl = z
  .string({ error: 'expected a URL' })
  .refine(isHttpUrl, { error: 'expected an http(s) URL such as https://hooks.slack.com/services/…' })
  .transform((v) => new Secret(v))
  .meta({ description: 'Webhook URL (a secret: write it as ${ENV_VAR}; it is never printed or logged).' });

const ADDRESS = /^(?:[^<>@]*<)?[^\s@<>]+@[^\s@<>]+>?$/;
const address = z.string().regex(ADDRESS, {
  error: 'expected an e-mail address such as etl@moh.gov.sg or "MOH ETL <etl@moh.gov.sg>"',
});

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

const smtpSchema = z.strictObject({
  host: z.string().min(1),
  port: z.int().min(1).max(65535).default(587),
  secure: z.boolean().default(false).meta({
    description: 'TLS from the first byte (port 465). Default false: plain connection upgraded by STARTTLS.',
  }),
  require_tls: z.boolean().default(true).meta({
    description: 'Refuse to send unless the server upgrades with STARTTLS. Default true.',
  }),
  user: z.string().min(1).optional(),
  password: secret.optional(),
  tls: z
    .strictObject({
      reject_unauthorized: z.boolean().default(true).meta({
        description: "Verify the server's certificate. Default true; false only for tests.",
      }),
      ca_file: z.string().min(1).optional().meta({
        description: "PEM file of the CA that signed the relay's certificate (an internal CA).",
      }),
      servername: z.string().min(1).optional().meta({
        description: 'Name to verify the certificate against when host is an IP address.',
      }),
    })
    .prefault({}),
});

const emailChannel = z.strictObject({
  type: z.literal('email'),
  smtp: smtpSchema,
  from: address,
  to: z.array(address).min(1),
  subject_prefix: z.string().default('[moh-etl]'),
});

const slackChannel = z.strictObject({
  type: z.literal('slack'),
  url: secretUrl,
});

const teamsChannel = z.strictObject({
  type: z.literal('teams'),
  url: secretUrl,
  payload: z.enum(['adaptive_card', 'message_card']).default('adaptive_card').meta({
    description:
      'adaptive_card (Teams Workflows and current incoming webhooks) or message_card (legacy Office 365 connectors).',
  }),
});

const webhookChannel = z.strictObject({
  type: z.literal('webhook'),
  url: secretUrl,
  headers: z
    .record(z.string().regex(HEADER_NAME, { error: 'expected an HTTP header name' }), secret)
    .default({})
    .meta({ description: 'Extra request headers (values are secrets, e.g. Authorization: ${SIEM_TOKEN}).' }),
});

export const channelSchema = z.discriminatedUnion(
  'type',
  [emailChannel, slackChannel, teamsChannel, webhookChannel],
  { error: `expected a channel type: ${CHANNEL_TYPES.join(', ')}` },
);

const routeSchema = z.strictObject({
  events: z
    .array(z.enum(ALERT_KINDS))
    .min(1)
    .default([...ALERT_KINDS])
    .meta({
      description: 'Events this route sends. Default: all.',
    }),
  channels: z.array(identifier).min(1).meta({ description: 'Names of entries under alerts.channels.' }),
  min_severity: z.enum(ALERT_SEVERITIES).default('info').meta({
    description: 'Only events at least this severe (info < warn < error < critical). Default info.',
  }),
});

export const alertsSchema = z.strictObject({
  channels: z.record(identifier, channelSchema).default({}).meta({
    description: 'Named destinations. No channels: alerts are off.',
  }),
  routes: z.array(routeSchema).min(1).optional().meta({
    description: 'Which events go where. Omitted: every event to every channel.',
  }),
  throttle: z
    .strictObject({
      window: durationSchema(7 * DAY)
        .default('1h')
        .meta({
          description: 'The same alert (kind, job, source) is sent once per channel within this window.',
        }),
      max_per_window: z.int().min(1).default(20).meta({
        description: 'At most this many messages per channel within the window; the rest are counted.',
      }),
      group_after: z.int().min(1).default(3).meta({
        description: 'More alerts than this at once go to a channel as one grouped message.',
      }),
    })
    .prefault({}),
  retry: z
    .strictObject({
      attempts: z.int().min(1).max(10).default(3),
      min_delay: durationSchema(5 * MINUTE).default('1s'),
      max_delay: durationSchema(5 * MINUTE).default('10s'),
    })
    .prefault({}),
  timeout: durationSchema(5 * MINUTE, 100)
    .default('10s')
    .meta({ description: 'Longest one delivery attempt may take.' }),
  deadline: durationSchema(10 * MINUTE, 100)
    .default('30s')
    .meta({
      description:
        'Longest one channel may take for one dispatch, retries included; a run never waits longer.',
    }),
  sla: durationSchema(30 * DAY, 1000)
    .optional()
    .meta({ description: 'A run that takes longer than this raises an `sla` alert.' }),
  state_file: z.string().default('results/alerts/state.json').meta({
    description: 'Last outcome per job and source (for recovery alerts) and the throttle ledger.',
  }),
});

export type AlertsConfig = z.output<typeof alertsSchema>;
export type ChannelConfig = z.output<typeof channelSchema>;
export type EmailChannelConfig = Extract<ChannelConfig, { type: 'email' }>;
export type SlackChannelConfig = Extract<ChannelConfig, { type: 'slack' }>;
export type TeamsChannelConfig = Extract<ChannelConfig, { type: 'teams' }>;
export type WebhookChannelConfig = Extract<ChannelConfig, { type: 'webhook' }>;
export type RouteConfig = z.output<typeof routeSchema>;

/**
 * Rules a schema cannot express, each reported at its key path under `alerts`: routes name
 * configured channels (with a did-you-mean), SMTP ports agree with `secure`, a password has a
 * user, and the retry and time limits are consistent.
 */
export function alertsRules(config: AlertsConfig, at: (path: string[], message: string) => void): void {
  const names = Object.keys(config.channels);
  config.routes?.forEach((route, i) => {
    route.channels.forEach((name, j) => {
      if (config.channels[name]) return;
      at(['alerts', 'routes', String(i), 'channels', String(j)], unknownChannel(name, names));
    });
  });
  for (const [name, channel] of Object.entries(config.channels)) {
    if (channel.type === 'email') smtpRules(channel.smtp, ['alerts', 'channels', name, 'smtp'], at);
  }
  if (parseDuration(config.retry.min_delay)! > parseDuration(config.retry.max_delay)!)
    at(['alerts', 'retry', 'min_delay'], `is longer than max_delay (${config.retry.max_delay})`);
  if (parseDuration(config.timeout)! > parseDuration(config.deadline)!)
    at(['alerts', 'timeout'], `is longer than deadline (${config.deadline}): no attempt could finish`);
}

function smtpRules(
  smtp: EmailChannelConfig['smtp'],
  where: string[],
  at: (path: string[], message: string) => void,
): void {
  // Either mistake makes the client wait for a greeting that never comes, until the timeout.
  if (smtp.port === 465 && !smtp.secure)
    at([...where, 'secure'], 'port 465 speaks TLS from the first byte: set secure: true (or use 587)');
  if (smtp.port === 587 && smtp.secure)
    at([...where, 'secure'], 'port 587 starts in plain text and upgrades with STARTTLS: set secure: false');
  if (smtp.password && !smtp.user) at([...where, 'user'], 'a password is set but no user');
}

/** "unknown channel" with the nearest configured name, when one is close. */
export function unknownChannel(name: string, names: readonly string[]): string {
  const near = closest(name, names);
  const known = names.length ? names.join(', ') : '(none defined under alerts.channels)';
  return `unknown channel "${name}"${near ? ` (did you mean "${near}"?)` : ''}; defined: ${known}`;
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.hostname !== '';
  } catch {
    return false;
  }
}

export { closest };
