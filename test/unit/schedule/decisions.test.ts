import { describe, expect, it } from 'vitest';
import { jobSchema, type ScheduleJob } from '../../../src/config/schedule-schema.js';
import { decideDue, jobSources, missedRuns, nextRuns, shouldSkip } from '../../../src/schedule/decisions.js';
import { FakeClock } from './fake-time.js';

const job = (fields: Record<string, unknown>): ScheduleJob => jobSchema.parse(fields);
const iso = (dates: Date[]) => dates.map((d) => d.toISOString());
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('next run times', () => {
  it('reads the cron expression in Asia/Singapore by default (UTC+8, no DST)', () => {
    const clock = new FakeClock('2025-01-01T00:00:00+08:00');
    expect(iso(nextRuns(job({ cron: '0 2 * * *' }), clock.now(), 3))).toEqual([
      '2024-12-31T18:00:00.000Z',
      '2025-01-01T18:00:00.000Z',
      '2025-01-02T18:00:00.000Z',
    ]);
    // Weekly on Sunday at midnight: 2025-01-05 is a Sunday.
    expect(iso(nextRuns(job({ cron: '0 0 * * 0' }), clock.now(), 2))).toEqual([
      '2025-01-04T16:00:00.000Z',
      '2025-01-11T16:00:00.000Z',
    ]);
    expect(iso(nextRuns(job({ cron: '0 3 1 * *' }), clock.now(), 2))).toEqual([
      '2024-12-31T19:00:00.000Z', // 2025-01-01 03:00 SGT
      '2025-01-31T19:00:00.000Z',
    ]);
  });

  it('is strictly after `from`: a run exactly now is not next', () => {
    const at = new Date('2025-01-01T18:00:00Z');
    expect(iso(nextRuns(job({ cron: '0 2 * * *' }), at, 1))).toEqual(['2025-01-02T18:00:00.000Z']);
  });

  it('America/New_York: 02:30 on the spring-forward day runs once, at 03:00 EDT', () => {
    const from = new Date('2025-03-08T12:00:00Z');
    expect(iso(nextRuns(job({ cron: '30 2 * * *', timezone: 'America/New_York' }), from, 3))).toEqual([
      '2025-03-09T07:00:00.000Z', // 03:00 EDT: 02:30 does not exist that day
      '2025-03-10T06:30:00.000Z', // 02:30 EDT
      '2025-03-11T06:30:00.000Z',
    ]);
  });

  it('America/New_York: 01:30 on the fall-back day runs once, at its first occurrence', () => {
    const from = new Date('2025-11-01T12:00:00Z');
    expect(iso(nextRuns(job({ cron: '30 1 * * *', timezone: 'America/New_York' }), from, 3))).toEqual([
      '2025-11-02T05:30:00.000Z', // 01:30 EDT; 01:30 EST (06:30Z) is not a second run
      '2025-11-03T06:30:00.000Z',
      '2025-11-04T06:30:00.000Z',
    ]);
    // A list of hours is a fixed-time job too (Vixie cron's rule): still once.
    const twice = job({ cron: '30 1,13 * * *', timezone: 'America/New_York' });
    expect(iso(nextRuns(twice, new Date('2025-11-01T18:00:00Z'), 3))).toEqual([
      '2025-11-02T05:30:00.000Z',
      '2025-11-02T18:30:00.000Z',
      '2025-11-03T06:30:00.000Z',
    ]);
  });

  it('Europe/London: a time in the spring gap runs after it; a repeated time runs once', () => {
    const london = job({ cron: '30 1 * * *', timezone: 'Europe/London' });
    expect(iso(nextRuns(london, new Date('2025-03-29T12:00:00Z'), 2))).toEqual([
      '2025-03-30T01:00:00.000Z', // 02:00 BST, the first valid time after the gap
      '2025-03-31T00:30:00.000Z',
    ]);
    expect(iso(nextRuns(london, new Date('2025-10-25T12:00:00Z'), 2))).toEqual([
      '2025-10-26T00:30:00.000Z', // 01:30 BST only, not again at 01:30 GMT
      '2025-10-27T01:30:00.000Z',
    ]);
  });
});

describe('missed runs', () => {
  const daily = job({ cron: '0 2 * * *' });

  it('lists the run times in (last, now], oldest first', () => {
    const last = new Date('2025-01-01T18:00:00Z'); // 2025-01-02 02:00 SGT
    const now = new Date('2025-01-05T10:00:00+08:00');
    const m = missedRuns(daily, last, now);
    expect(iso(m.times)).toEqual([
      '2025-01-02T18:00:00.000Z',
      '2025-01-03T18:00:00.000Z',
      '2025-01-04T18:00:00.000Z',
    ]);
    expect(m).toMatchObject({ count: 3, truncated: false });
    expect(m.latest?.toISOString()).toBe('2025-01-04T18:00:00.000Z');
    // A run exactly at `now` counts; one exactly at `last` does not.
    expect(missedRuns(daily, last, new Date('2025-01-02T18:00:00Z')).count).toBe(1);
    expect(missedRuns(daily, last, last).count).toBe(0);
  });

  it('caps a long outage of a frequent job but still knows the newest', () => {
    const minutely = job({ cron: '* * * * *' });
    const m = missedRuns(minutely, new Date('2025-01-01T00:00:00Z'), new Date('2025-01-08T00:00:30Z'), 50);
    expect(m).toMatchObject({ count: 50, truncated: true });
    expect(m.times[0]?.toISOString()).toBe('2025-01-01T00:01:00.000Z');
    expect(m.latest?.toISOString()).toBe('2025-01-08T00:00:00.000Z');
  });
});

describe('due decisions and catch-up', () => {
  const daily = job({ cron: '0 2 * * *' });
  const slot = new Date('2025-01-04T18:00:00Z');

  it('runs a due run on time within the grace period, as not a catch-up', () => {
    const d = decideDue(daily, new Date('2025-01-04T17:00:00Z'), new Date(slot.getTime() + 30_000));
    expect(d).toMatchObject({ action: 'run', catchUp: false });
    expect(d.action === 'run' && d.scheduledFor.toISOString()).toBe(slot.toISOString());
  });

  it('does nothing before the next run time', () => {
    expect(decideDue(daily, slot, new Date(slot.getTime() + 20 * HOUR))).toEqual({ action: 'none' });
  });

  it('collapses runs missed during downtime into one catch-up of the newest', () => {
    const d = decideDue(daily, new Date(slot.getTime() - 3 * DAY), new Date(slot.getTime() + 8 * HOUR));
    expect(d).toMatchObject({ action: 'run', catchUp: true, missed: { count: 3 } });
    expect(d.action === 'run' && d.scheduledFor.toISOString()).toBe(slot.toISOString());
    // One run, late beyond the grace period (a suspend, a clock jump): also a catch-up.
    expect(
      decideDue(daily, new Date(slot.getTime() - HOUR), new Date(slot.getTime() + 10 * 60_000)),
    ).toMatchObject({
      action: 'run',
      catchUp: true,
    });
  });

  it('reports instead of running when catch_up is off', () => {
    const off = job({ cron: '0 2 * * *', catch_up: false });
    const d = decideDue(off, new Date(slot.getTime() - 2 * DAY), new Date(slot.getTime() + HOUR));
    expect(d).toMatchObject({ action: 'report', reason: 'catch-up-disabled', missed: { count: 2 } });
    // On time is not a catch-up: it runs even with catch_up off.
    expect(decideDue(off, new Date(slot.getTime() - HOUR), slot)).toMatchObject({
      action: 'run',
      catchUp: false,
    });
  });

  it('reports a missed run older than max_catch_up_age', () => {
    const weekly = job({ cron: '0 0 * * 0', max_catch_up_age: '1d' });
    const sunday = new Date('2025-01-04T16:00:00Z'); // 2025-01-05 00:00 SGT
    const before = new Date(sunday.getTime() - DAY);
    expect(decideDue(weekly, before, new Date(sunday.getTime() + 23 * HOUR))).toMatchObject({
      action: 'run',
      catchUp: true,
    });
    expect(decideDue(weekly, before, new Date(sunday.getTime() + 25 * HOUR))).toMatchObject({
      action: 'report',
      reason: 'too-old',
      missed: { count: 1 },
    });
  });
});

describe('overlap skip', () => {
  const none = { runningJobs: new Set<string>(), busySources: new Map<string, string>() };

  it('never stacks a job on its own running run', () => {
    const d = shouldSkip('daily', ['attendances'], { ...none, runningJobs: new Set(['daily']) });
    expect(d).toMatchObject({ skip: true, reason: 'still-running' });
  });

  it('skips when another run holds one of its sources, naming them', () => {
    const busy = new Map([['attendances', 'run r1 (pid 7 on h, since t)']]);
    const d = shouldSkip('daily', ['patients', 'attendances'], { ...none, busySources: busy });
    expect(d).toMatchObject({ skip: true, reason: 'source-locked', sources: ['attendances'] });
    expect(d.skip && d.message).toContain('attendances: run r1');
    expect(shouldSkip('monthly', ['polyclinics'], { ...none, busySources: busy })).toEqual({ skip: false });
  });

  it("runs a job's own sources, or every enabled source", () => {
    expect(jobSources(job({ cron: '@daily', sources: ['a'] }), ['a', 'b'])).toEqual(['a']);
    expect(jobSources(job({ cron: '@daily' }), ['a', 'b'])).toEqual(['a', 'b']);
  });
});
