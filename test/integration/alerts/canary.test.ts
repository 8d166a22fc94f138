/**
 * Canaries: secret values in the alert config (SMTP password, webhook URLs, a header) and patient
 * identifiers plus a database password in a run record's error text. Whatever leaves the process
 * (every mail and webhook body) and whatever is written locally (log file, console, state file,
 * outcomes, `alert test` output) must hold none of them.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Secret } from '../../../src/config/secret.js';
import { createAlerter } from '../../../src/observe/alerts/alerter.js';
import { alertTest } from '../../../src/observe/alerts/test-command.js';
import type { RunSummary } from '../../../src/pipeline/summary.js';
import { closedPort, startHttpSink, type HttpSink } from '../../helpers/http-sink.js';
import { makeCertificate, startSmtpSink, type SmtpSink } from '../../helpers/smtp-sink.js';
import { alertsConfig, capturedLog, tempDir, type TempDir } from './fixture.js';

const SECRETS = {
  smtp: 'smtp-canary-PW-9f3k',
  slack: 'slack-canary-tok-77',
  teams: 'teams-canary-tok-12',
  down: 'down-canary-url-88',
  header: 'hdr-canary-5521',
  database: 'db-canary-pw-31',
};
const PII = ['S1234567D', 'T7654321Z', 'Tan Ah Kow'];

let tmp: TempDir;
let smtp: SmtpSink;
let http: HttpSink;
beforeAll(async () => {
  tmp = tempDir();
  smtp = await startSmtpSink({ tls: makeCertificate(tmp.dir), user: 'etl', password: SECRETS.smtp });
  http = await startHttpSink();
});
afterAll(async () => {
  await smtp.close();
  await http.close();
  tmp.cleanup();
});

function leaks(text: string): string[] {
  return [...Object.values(SECRETS), ...PII].filter((c) => text.includes(c));
}

describe('canaries', () => {
  it('never appear in a message, a log line, the state file or an outcome', async () => {
    // A connection password the pipeline holds: its Secret registers the value with the redactor.
    new Secret(SECRETS.database);
    const down = await closedPort();
    const config = alertsConfig({
      channels: {
        mail: {
          type: 'email',
          smtp: {
            host: smtp.host,
            port: smtp.port,
            user: 'etl',
            password: SECRETS.smtp,
            tls: { ca_file: 'cert.pem' },
          },
          from: 'etl@moh.test',
          to: ['ops@moh.test'],
        },
        slack: { type: 'slack', url: http.url(`/services/T0/B0/${SECRETS.slack}`) },
        teams: { type: 'teams', url: http.url(`/webhookb2/${SECRETS.teams}`) },
        siem: {
          type: 'webhook',
          url: http.url('/siem'),
          headers: { Authorization: `Bearer ${SECRETS.header}` },
        },
        down: { type: 'webhook', url: `http://127.0.0.1:${down}/${SECRETS.down}` },
      },
    });
    const captured = capturedLog(tmp.dir);
    const stateFile = path.join(tmp.dir, 'alerts', 'state.json');
    const alerter = createAlerter({ config, stateFile, log: captured.log, root: tmp.dir });
    const record: RunSummary = {
      run_id: 'r-canary',
      command: 'run',
      job: 'nightly',
      status: 'failed',
      started_at: '2025-03-01T01:00:00Z',
      finished_at: '2025-03-01T01:05:00Z',
      sources: [
        {
          source: 'patients',
          status: 'failed',
          mode: 'incremental',
          rows: 0,
          files: [],
          duration_ms: 10,
          // As if upstream redaction had missed these: a driver echoing the password and a row's key.
          // Free text can't be searched for names; names reach alerts only as values the database
          // echoes, in its own formats, and those are what the scrubber masks.
          error: `password authentication failed for "${SECRETS.database}"; Key (nric)=(${PII[0]}) already exists; patient ${PII[1]}; Duplicate entry '${PII[2]}' for key 'name_idx'`,
          hint: `retry with ${SECRETS.database}`,
        },
      ],
    };
    const outcomes = await alerter.notifyRun(record, 'results/runs/r-canary.json');
    expect(outcomes.map((o) => [o.channel, o.status])).toEqual([
      ['mail', 'sent'],
      ['slack', 'sent'],
      ['teams', 'sent'],
      ['siem', 'sent'],
      ['down', 'failed'],
    ]);

    const lines: string[] = [];
    expect(
      await alertTest({ alerts: config, root: tmp.dir, log: captured.log }, undefined, (l) => lines.push(l)),
    ).toBe(1);

    // What left the process carries the alert, and no canary.
    expect(smtp.messages).toHaveLength(2);
    expect(smtp.messages[0]!.body).toContain('Source: patients');
    expect(smtp.messages[0]!.body).toContain('Key (nric)=(***)');
    for (const m of smtp.messages) expect(leaks(m.raw + m.subject + m.body)).toEqual([]);
    expect(http.requests).toHaveLength(6);
    for (const r of http.requests) expect(leaks(r.body)).toEqual([]);

    // What stays local too.
    expect(leaks(captured.text())).toEqual([]);
    expect(captured.text()).toContain('network error (ECONNREFUSED)');
    expect(leaks(readFileSync(stateFile, 'utf8'))).toEqual([]);
    expect(leaks(JSON.stringify(outcomes))).toEqual([]);
    expect(leaks(lines.join('\n'))).toEqual([]);
    expect(lines).toContainEqual(
      expect.stringMatching(/^down \(webhook\): FAILED — network error \(ECONNREFUSED\)/),
    );
  });
});
