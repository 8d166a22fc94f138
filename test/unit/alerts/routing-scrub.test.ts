import { describe, expect, it } from 'vitest';
import { alertsSchema } from '../../../src/config/alerts-schema.js';
import { Secret } from '../../../src/config/secret.js';
import { alertEvent, type AlertEvent } from '../../../src/observe/alerts/event.js';
import { channelsFor } from '../../../src/observe/alerts/routing.js';
import { scrubEvent, scrubText } from '../../../src/observe/alerts/scrub.js';

const channels = {
  mail: { type: 'webhook', url: 'http://127.0.0.1:1/a' },
  chat: { type: 'webhook', url: 'http://127.0.0.1:1/b' },
  siem: { type: 'webhook', url: 'http://127.0.0.1:1/c' },
};
const ev = (kind: AlertEvent['kind'], severity: AlertEvent['severity']) =>
  alertEvent({ kind, severity, title: 't', source: 's' });

describe('channelsFor', () => {
  it('sends every event to every channel when no routes are configured', () => {
    const config = alertsSchema.parse({ channels });
    expect(channelsFor(ev('sla', 'warn'), config)).toEqual(['mail', 'chat', 'siem']);
    expect(channelsFor(ev('test', 'info'), config)).toEqual([]);
  });

  it('unions the routes that list the kind and whose severity floor the event meets', () => {
    const config = alertsSchema.parse({
      channels,
      routes: [
        { events: ['run_failure', 'recovery'], channels: ['mail', 'chat'] },
        { events: ['row_count_anomaly', 'run_failure'], channels: ['chat', 'siem'], min_severity: 'error' },
        { channels: ['siem'], min_severity: 'critical' },
      ],
    });
    expect(channelsFor(ev('run_failure', 'error'), config)).toEqual(['mail', 'chat', 'siem']);
    expect(channelsFor(ev('recovery', 'info'), config)).toEqual(['mail', 'chat']);
    expect(channelsFor(ev('row_count_anomaly', 'warn'), config)).toEqual([]);
    expect(channelsFor(ev('row_count_anomaly', 'critical'), config)).toEqual(['chat', 'siem']);
    expect(channelsFor(ev('validation_critical', 'critical'), config)).toEqual(['siem']);
    expect(channelsFor(ev('sla', 'warn'), config)).toEqual([]);
  });
});

describe('scrubText', () => {
  it('masks registered secrets, NRIC/FIN numbers and values echoed by databases', () => {
    new Secret('pw-canary-7731');
    const text = [
      'password authentication failed (pw-canary-7731)',
      'patient S1234567D not found, nor f7654321x',
      'duplicate key value violates unique constraint "p_pkey" DETAIL: Key (nric, visit)=(S7654321A, 2025-01-01) already exists.',
      "Duplicate entry 'T0000001Z-9' for key 'PRIMARY'",
      "Incorrect integer value: 'abc-123' for column 'age'",
      'The duplicate key value is (Tan Ah Kow).',
    ].join('\n');
    const out = scrubText(text);
    expect(out).not.toMatch(
      /pw-canary-7731|S1234567D|f7654321x|S7654321A|2025-01-01|T0000001Z|abc-123|Tan Ah Kow/i,
    );
    expect(out).toContain('Key (nric, visit)=(***)');
    expect(out).not.toContain('\n');
  });

  it('bounds the length of a field', () => {
    expect(scrubText('x'.repeat(1000))).toHaveLength(300);
  });

  it('scrubs every text field of an event', () => {
    new Secret('hook-canary-4410');
    const e = scrubEvent(
      alertEvent({
        kind: 'run_failure',
        severity: 'error',
        source: 'a',
        title: 'failed hook-canary-4410',
        details: { error: 'S1234567D', rows: 3 },
      }),
    );
    expect(JSON.stringify(e)).not.toMatch(/hook-canary-4410|S1234567D/);
    expect(e.details.rows).toBe(3);
  });
});
