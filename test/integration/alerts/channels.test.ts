/**
 * Every channel type against a real server on loopback: SMTP with STARTTLS (certificate verified
 * against a CA file) and AUTH; Slack, Teams and a generic webhook over HTTP, bodies read back.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertEvent } from '../../../src/observe/alerts/event.js';
import { createAlerter } from '../../../src/observe/alerts/alerter.js';
import { startHttpSink, type HttpSink } from '../../helpers/http-sink.js';
import { makeCertificate, startSmtpSink, type Certificate, type SmtpSink } from '../../helpers/smtp-sink.js';
import { alertsConfig, capturedLog, tempDir, type TempDir } from './fixture.js';

let tmp: TempDir;
let cert: Certificate;
let smtp: SmtpSink;
let http: HttpSink;

beforeAll(async () => {
  tmp = tempDir();
  cert = makeCertificate(tmp.dir);
  smtp = await startSmtpSink({ tls: cert, user: 'etl', password: 'smtp-pw-1' });
  http = await startHttpSink();
});
afterAll(async () => {
  await smtp.close();
  await http.close();
  tmp.cleanup();
});

const failure = alertEvent({
  kind: 'run_failure',
  severity: 'error',
  run_id: 'run-42',
  job: 'nightly',
  source: 'attendances',
  title: 'job nightly: source attendances failed',
  details: { error: 'connect ECONNREFUSED', rows: 0 },
  report: 'results/runs/run-42.json',
});

function emailChannel(tls: Record<string, unknown>, password = 'smtp-pw-1') {
  return {
    type: 'email',
    smtp: { host: smtp.host, port: smtp.port, user: 'etl', password, tls },
    from: 'MOH ETL <etl@moh.test>',
    to: ['ops@moh.test', 'dq@moh.test'],
  };
}

describe('email channel', () => {
  it('sends over STARTTLS, verifying the certificate against ca_file, with AUTH', async () => {
    const before = smtp.messages.length;
    const alerter = createAlerter({
      config: alertsConfig({ channels: { mail: emailChannel({ ca_file: 'cert.pem' }) } }),
      stateFile: path.join(tmp.dir, 'state-email.json'),
      log: capturedLog(tmp.dir).log,
      root: tmp.dir,
      host: 'etl-host-1',
    });
    const outcomes = await alerter.notify([failure]);
    expect(outcomes).toMatchObject([{ channel: 'mail', type: 'email', status: 'sent', attempts: 1 }]);
    const mail = smtp.messages[before]!;
    expect(mail).toMatchObject({
      secure: true,
      user: 'etl',
      from: 'etl@moh.test',
      to: ['ops@moh.test', 'dq@moh.test'],
    });
    expect(mail.subject).toBe('[moh-etl] ERROR: job nightly: source attendances failed');
    for (const line of [
      'Run: run-42',
      'Job: nightly',
      'Source: attendances',
      'error: connect ECONNREFUSED',
      'rows: 0',
      'Report: results/runs/run-42.json',
      'Host: etl-host-1',
    ])
      expect(mail.body).toContain(line);
  });

  it('refuses a certificate it cannot verify, without retrying', async () => {
    const alerter = createAlerter({
      config: alertsConfig({ channels: { mail: emailChannel({}) } }),
      stateFile: path.join(tmp.dir, 'state-email-2.json'),
      log: capturedLog(tmp.dir).log,
    });
    const [outcome] = await alerter.notify([failure]);
    expect(outcome).toMatchObject({ status: 'failed', attempts: 1 });
    expect(outcome!.reason).toBe(
      "SMTP ESOCKET: self-signed certificate (the relay's certificate is not trusted: set smtp.tls.ca_file to its CA)",
    );
  });

  it('reports a wrong password as an authentication failure, not retried', async () => {
    const before = smtp.logins.length;
    const alerter = createAlerter({
      config: alertsConfig({
        channels: { mail: emailChannel({ reject_unauthorized: false }, 'wrong-pw-9') },
      }),
      stateFile: path.join(tmp.dir, 'state-email-3.json'),
      log: capturedLog(tmp.dir).log,
    });
    const [outcome] = await alerter.notify([failure]);
    expect(outcome).toMatchObject({ status: 'failed', attempts: 1 });
    expect(outcome!.reason).toMatch(/^SMTP EAUTH 535: .*\(check alerts smtp user and password\)$/);
    expect(smtp.logins.slice(before)).toEqual([{ user: 'etl', ok: false }]);
  });
});

describe('webhook channels', () => {
  it('posts Slack blocks, a Teams Adaptive Card and the generic JSON envelope with its headers', async () => {
    const alerter = createAlerter({
      config: alertsConfig({
        channels: {
          slack: { type: 'slack', url: http.url('/services/T0/B0/slack') },
          teams: { type: 'teams', url: http.url('/webhookb2/teams') },
          legacy: { type: 'teams', url: http.url('/legacy'), payload: 'message_card' },
          siem: {
            type: 'webhook',
            url: http.url('/ingest'),
            headers: { Authorization: 'Bearer siem-token' },
          },
        },
      }),
      stateFile: path.join(tmp.dir, 'state-http.json'),
      log: capturedLog(tmp.dir).log,
      host: 'etl-host-1',
    });
    const outcomes = await alerter.notify([failure]);
    expect(outcomes.map((o) => [o.channel, o.status])).toEqual([
      ['slack', 'sent'],
      ['teams', 'sent'],
      ['legacy', 'sent'],
      ['siem', 'sent'],
    ]);
    const by = (p: string) => http.requests.find((r) => r.path === p)!;

    const slack = by('/services/T0/B0/slack');
    expect(slack.headers['content-type']).toBe('application/json');
    expect(slack.json).toMatchObject({
      text: ':x: job nightly: source attendances failed',
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: 'job nightly: source attendances failed' } },
        { type: 'section' },
      ],
    });
    expect(slack.body).toContain('*Source:* attendances');

    const card = by('/webhookb2/teams').json as {
      type: string;
      attachments: {
        contentType: string;
        content: { type: string; body: { type: string; facts?: { title: string; value: string }[] }[] };
      }[];
    };
    expect(card.type).toBe('message');
    expect(card.attachments[0]!.contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(card.attachments[0]!.content.type).toBe('AdaptiveCard');
    expect(card.attachments[0]!.content.body[1]!.facts).toContainEqual({ title: 'Run', value: 'run-42' });

    expect(by('/legacy').json).toMatchObject({
      '@type': 'MessageCard',
      title: 'job nightly: source attendances failed',
    });

    const siem = by('/ingest');
    expect(siem.headers.authorization).toBe('Bearer siem-token');
    expect(siem.json).toMatchObject({
      schema: 'moh-etl.alert/1',
      severity: 'error',
      host: 'etl-host-1',
      grouped: false,
      events: [
        {
          kind: 'run_failure',
          run_id: 'run-42',
          job: 'nightly',
          source: 'attendances',
          details: { rows: 0 },
          dedupe_key: 'run_failure|nightly|attendances',
        },
      ],
    });
  });
});
