import { LineCounter, parseDocument } from 'yaml';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { alertsRules, alertsSchema, closest } from '../../../src/config/alerts-schema.js';
import { lineOf, problemsFromZod } from '../../../src/config/issues.js';
import { Secret } from '../../../src/config/secret.js';
import { formatProblem } from '../../../src/errors.js';

/** The section as the lead's loader will see it: under `alerts:` in database.yml, with lines. */
const fileSchema = z.strictObject({ alerts: alertsSchema });

function problems(yaml: string): string[] {
  const lines = new LineCounter();
  const doc = parseDocument(yaml, { lineCounter: lines });
  const value: unknown = doc.toJS();
  const src = { file: 'config/database.yml', doc, lines };
  const parsed = fileSchema.safeParse(value);
  if (!parsed.success) return problemsFromZod(src, parsed.error.issues, value).map(formatProblem);
  const out: string[] = [];
  // As the loader's checkRules does: the line of the key path, or of its nearest ancestor.
  alertsRules(parsed.data.alerts, (path, message) =>
    out.push(formatProblem({ file: src.file, line: lineOf(src, path), path: path.join('.'), message })),
  );
  return out;
}

const VALID = `
alerts:
  channels:
    ops_email:
      type: email
      smtp: { host: smtp.moh.local, port: 587, user: etl, password: hunter2-canary }
      from: MOH ETL <etl@moh.gov.sg>
      to: [ops@moh.gov.sg]
    ops_slack: { type: slack, url: "https://hooks.slack.com/services/T0/B0/secretpath" }
    ops_teams: { type: teams, url: "https://example.webhook.office.com/webhookb2/abc" }
    siem: { type: webhook, url: "https://siem.moh.local/ingest", headers: { Authorization: "Bearer tok-canary" } }
  routes:
    - { events: [run_failure, validation_critical, missed_schedule, recovery], channels: [ops_email, ops_slack] }
    - { events: [row_count_anomaly, freshness, sla], channels: [ops_slack], min_severity: warn }
  throttle: { window: 1h, max_per_window: 20 }
  retry: { attempts: 3, min_delay: 1s, max_delay: 10s }
  timeout: 10s
  sla: 2h
`;

describe('alerts schema', () => {
  it('accepts the documented example and fills defaults', () => {
    expect(problems(VALID)).toEqual([]);
    const config = fileSchema.parse(parseDocument(VALID).toJS()).alerts;
    const email = config.channels.ops_email;
    expect(email?.type).toBe('email');
    if (email?.type !== 'email') throw new Error('unreachable');
    expect(email.smtp).toMatchObject({
      secure: false,
      require_tls: true,
      tls: { reject_unauthorized: true },
    });
    expect(email.smtp.password).toBeInstanceOf(Secret);
    expect(config.throttle.group_after).toBe(3);
    expect(config.deadline).toBe('30s');
    expect(config.state_file).toBe('results/alerts/state.json');
    expect(config.routes?.[0]?.min_severity).toBe('info');
  });

  it('keeps URLs, passwords and header values out of any printed form', () => {
    const config = fileSchema.parse(parseDocument(VALID).toJS()).alerts;
    const printed = JSON.stringify(config);
    for (const canary of ['hunter2-canary', 'secretpath', 'tok-canary', 'webhookb2/abc'])
      expect(printed).not.toContain(canary);
  });

  it('defaults to no channels and no routes: alerts off', () => {
    const config = alertsSchema.parse({});
    expect(config.channels).toEqual({});
    expect(config.routes).toBeUndefined();
  });

  it('names an unknown channel in a route, with a did-you-mean and its line', () => {
    const yaml = VALID.replace('channels: [ops_slack], min_severity', 'channels: [ops_slak], min_severity');
    expect(problems(yaml)).toEqual([
      'config/database.yml:14 alerts.routes.1.channels.0: unknown channel "ops_slak" (did you mean "ops_slack"?); defined: ops_email, ops_slack, ops_teams, siem',
    ]);
  });

  it('reports a bad URL at its key path without echoing the value', () => {
    const yaml = VALID.replace(
      '"https://hooks.slack.com/services/T0/B0/secretpath"',
      '"hooks.slack.com/secretpath"',
    );
    const found = problems(yaml);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(
      /^config\/database\.yml:9 alerts\.channels\.ops_slack\.url: expected an http\(s\) URL/,
    );
    expect(found[0]).not.toContain('secretpath');
  });

  it('reports a bad duration, an unknown event, a channel type typo and a misspelt key', () => {
    const yaml = VALID.replace('window: 1h', 'window: 1 hour')
      .replace('[row_count_anomaly, freshness, sla]', '[row_count_anomaly, freshnes, sla]')
      .replace('type: teams', 'type: msteams')
      .replace('timeout: 10s', 'timeuot: 10s');
    const found = problems(yaml);
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^config\/database\.yml:15 alerts\.throttle\.window: expected a duration/),
        expect.stringMatching(/:14 alerts\.routes\[1\]\.events\[1\]: expected one of .*"freshness"/),
        expect.stringMatching(
          /:10 alerts\.channels\.ops_teams\.type: expected one of "email", "slack", "teams", "webhook"/,
        ),
        expect.stringMatching(/:17 alerts\.timeuot: unknown key/),
      ]),
    );
    expect(found).toHaveLength(4);
  });

  it('catches SMTP port/TLS mismatches, a password without a user, and inconsistent limits', () => {
    const yaml = VALID.replace('port: 587, user: etl,', 'port: 465,')
      .replace('min_delay: 1s', 'min_delay: 20s')
      .replace('timeout: 10s', 'timeout: 1m');
    expect(problems(yaml)).toEqual([
      expect.stringMatching(
        /:6 alerts\.channels\.ops_email\.smtp\.secure: port 465 speaks TLS from the first byte/,
      ),
      expect.stringMatching(/:6 alerts\.channels\.ops_email\.smtp\.user: a password is set but no user/),
      expect.stringMatching(/:16 alerts\.retry\.min_delay: is longer than max_delay \(10s\)/),
      expect.stringMatching(/:17 alerts\.timeout: is longer than deadline \(30s\)/),
    ]);
  });

  it('converts to JSON Schema for editors (the input side: URLs and passwords are strings)', () => {
    const schema = z.toJSONSchema(alertsSchema, { io: 'input', unrepresentable: 'any' }) as {
      properties: Record<string, unknown>;
      additionalProperties: boolean;
    };
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining(['channels', 'routes', 'throttle', 'retry', 'timeout', 'deadline', 'sla']),
    );
    expect(schema.additionalProperties).toBe(false);
  });

  it('bounds durations (a timer beyond its range fires at once) and rejects reserved names', () => {
    const yaml = VALID.replace('timeout: 10s', 'timeout: 30d').replace('siem: {', 'constructor: {');
    expect(problems(yaml)).toEqual([
      // The wording of a bad record key is issues.ts's (today "Invalid key in record"); the path is ours.
      expect.stringMatching(/:11 alerts\.channels\.constructor: /),
      expect.stringMatching(/:17 alerts\.timeout: expected at most 5m, found "30d"/),
    ]);
  });

  it('suggests only names that are close', () => {
    expect(closest('ops_emial', ['ops_email', 'ops_slack'])).toBe('ops_email');
    expect(closest('pager', ['ops_email', 'ops_slack'])).toBeUndefined();
  });
});
