/**
 * freshness: the age of the newest value against its thresholds, with a fixed "now": UTC
 * timestamps, naive timestamps in the source's zone, dates as the end of their day, the exact
 * threshold edges, time-zone and DST edges, and no value at all.
 */
import { describe, expect, it } from 'vitest';
import { checkSchema } from '../../../src/config/validation-schema.js';
import { t, type CellValue, type ColumnType } from '../../../src/schema/column-types.js';
import { compileChecks } from '../../../src/validate/compile.js';
import { freshnessResult, latestInstant, wallClockInstant } from '../../../src/validate/freshness.js';
import { impactOf } from '../../../src/validate/threshold.js';

const SGT = 'Asia/Singapore';
const H = 3_600_000;

function plan(thresholds: Record<string, string>, column = 'updated_at') {
  const config = checkSchema.parse({ check: 'freshness', column, ...thresholds });
  return compileChecks([config], [{ name: column, type: t.timestamptz(), nullable: true }])[0]!;
}

function judge(
  latest: CellValue,
  type: ColumnType,
  now: string,
  thresholds: Record<string, string> = { warn_after: '1d', error_after: '2d' },
  masked = false,
) {
  return freshnessResult(plan(thresholds), {
    latest,
    type,
    now: new Date(now),
    timeZone: SGT,
    rows: 5,
    masked,
    where: 'the source',
  });
}

describe('freshness against its thresholds', () => {
  const utc = t.timestamptz();
  const latest = '2025-01-09T23:00:00.000000Z';

  it('passes within warn_after, and reports the newest value and its age in hours', () => {
    const r = judge(latest, utc, '2025-01-10T11:00:00Z');
    expect(r).toMatchObject({ kind: 'freshness', status: 'pass', severity: 'error', scope: 'increment' });
    expect(r.observed).toMatchObject({ value: latest, age_hours: 12, failed: 0 });
    expect(r.threshold.after).toEqual({ warn: '1d', error: '2d' });
    expect(r.message).toBe(
      `newest updated_at in the source is ${latest}, 12 h old (warn after 1d, error after 2d)`,
    );
  });

  it('warns when only warn_after is crossed: exactly 24 h is not older than 1d, one second more is', () => {
    expect(judge(latest, utc, '2025-01-10T23:00:00Z').status).toBe('pass');
    const r = judge(latest, utc, '2025-01-10T23:00:01Z');
    expect([r.status, r.severity, impactOf(r)]).toEqual(['warn', 'warn', 'warning']);
    expect(r.message).toContain(': older than warn_after 1d');
  });

  it('fails at the severity of the highest threshold crossed', () => {
    const all = { warn_after: '1d', error_after: '2d', critical_after: '7d' };
    const error = judge(latest, utc, '2025-01-12T00:00:00Z', all);
    expect([error.status, error.severity, impactOf(error), error.observed.failed]).toEqual([
      'fail',
      'error',
      'error',
      1,
    ]);
    const critical = judge(latest, utc, '2025-01-17T00:00:00Z', all);
    expect([critical.status, critical.severity, impactOf(critical)]).toEqual([
      'fail',
      'critical',
      'critical',
    ]);
    expect(critical.message).toMatch(/7\.0 days old: older than critical_after 7d/);
  });

  it('fails at the highest configured threshold when there is no value at all', () => {
    const r = judge(null, utc, '2025-01-10T00:00:00Z');
    expect([r.status, r.severity]).toEqual(['fail', 'error']);
    expect(r.message).toMatch(/^no value in updated_at in the source \(no rows, or only NULLs\)/);
    expect(r.message).toContain('counts as older than error_after 2d');
    // With only a warning configured, "no value" is a warning.
    const w = judge(null, utc, '2025-01-10T00:00:00Z', { warn_after: '1d' });
    expect([w.status, w.severity, impactOf(w)]).toEqual(['warn', 'warn', 'warning']);
  });

  it('shows a masked column’s newest value as *** (its age still counts)', () => {
    const r = judge(latest, utc, '2025-01-12T00:00:00Z', undefined, true);
    expect(r.observed.value).toBe('***');
    expect(r.message).not.toContain('2025-01-09');
    expect(r.status).toBe('fail');
  });

  it('says when the newest value lies in the future', () => {
    const r = judge(latest, utc, '2025-01-09T20:00:00Z');
    expect([r.status, r.observed.age_hours]).toEqual(['pass', -3]);
    expect(r.message).toContain('3 h in the future');
  });
});

describe('when the newest value was (Asia/Singapore, UTC+8)', () => {
  it('reads a naive timestamp as the source’s wall clock', () => {
    // 07:00 in Singapore is 23:00 UTC the day before.
    const naive = judge('2025-01-10T07:00:00.000000', t.timestamp(), '2025-01-10T11:00:00Z');
    expect(naive.observed.age_hours).toBe(12);
    expect(judge('2025-01-10T07:00:00.000000', t.timestamp(), '2025-01-11T23:00:00Z').status).toBe('warn');
    expect(judge('2025-01-10T07:00:00.000000', t.timestamp(), '2025-01-11T23:00:01Z').status).toBe('fail');
  });

  it('reads a date as the end of that day in the source’s zone', () => {
    // 2025-01-10 ends at 2025-01-11T00:00+08:00 = 2025-01-10T16:00Z.
    expect(latestInstant('2025-01-10', t.date(), SGT)).toBe(Date.parse('2025-01-10T16:00:00Z'));
    expect(judge('2025-01-10', t.date(), '2025-01-11T16:00:00Z').status).toBe('pass');
    expect(judge('2025-01-10', t.date(), '2025-01-11T16:00:01Z').status).toBe('warn');
    expect(judge('2025-01-10', t.date(), '2025-01-11T04:00:00Z').observed.age_hours).toBe(12);
  });

  it('reads ISO text by its shape (a text column holding dates or timestamps)', () => {
    expect(latestInstant('2025-01-10', t.string(), SGT)).toBe(Date.parse('2025-01-10T16:00:00Z'));
    expect(latestInstant('2025-01-10 07:00:00', t.string(), SGT)).toBe(Date.parse('2025-01-09T23:00:00Z'));
    expect(latestInstant('2025-01-10T07:00:00+08:00', t.string(), SGT)).toBe(
      Date.parse('2025-01-09T23:00:00Z'),
    );
    expect(latestInstant('last tuesday', t.string(), SGT)).toBeUndefined();
    const r = judge('soon', t.string(), '2025-01-10T00:00:00Z');
    expect([r.status, r.message]).toEqual(['fail', expect.stringMatching(/is not a date or timestamp/)]);
  });

  it('takes SQLite’s bare MAX() text of a UTC timestamp as UTC', () => {
    const r = judge('2025-01-09T23:00:00.5Z', t.timestamptz(), '2025-01-10T11:00:00.5Z');
    expect([r.observed.value, r.observed.age_hours]).toEqual(['2025-01-09T23:00:00.500000Z', 12]);
  });

  it('crosses DST changes in zones that have them', () => {
    // London: clocks go 01:00 → 02:00 on 2025-03-30 and 02:00 → 01:00 on 2025-10-26.
    const london = 'Europe/London';
    expect(wallClockInstant('2025-03-30T00:30:00', london)).toBe(Date.parse('2025-03-30T00:30:00Z'));
    expect(wallClockInstant('2025-03-30T03:00:00', london)).toBe(Date.parse('2025-03-30T02:00:00Z'));
    expect(wallClockInstant('2025-07-01T12:00:00.123456', london)).toBe(
      Date.parse('2025-07-01T11:00:00.123Z'),
    );
    const repeated = wallClockInstant('2025-10-26T01:30:00', london);
    expect([Date.parse('2025-10-26T00:30:00Z'), Date.parse('2025-10-26T01:30:00Z')]).toContain(repeated);
    expect(wallClockInstant('2025-01-10T07:00:00', SGT) - Date.parse('2025-01-10T07:00:00Z')).toBe(-8 * H);
  });
});
