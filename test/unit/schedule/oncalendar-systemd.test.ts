/**
 * The OnCalendar= translation checked against systemd itself: `systemd-analyze calendar` must
 * give the same next run times as croner for the same expression and zone. Skipped, with the
 * reason in its title, where systemd-analyze is not installed.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { nextRuns } from '../../../src/schedule/decisions.js';
import { onCalendar } from '../../../src/schedule/oncalendar.js';

const probe = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });
const available = probe.status === 0;
const title = available
  ? 'OnCalendar= against systemd-analyze'
  : 'OnCalendar= against systemd-analyze (skipped: systemd-analyze is not installed)';

/** systemd's next `n` elapses of `expr` after `base`, as ISO instants. */
function systemdNext(expr: string, base: Date, n: number): string[] {
  const baseText = base
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');
  const r = spawnSync('systemd-analyze', ['calendar', `--base-time=${baseText}`, `--iterations=${n}`, expr], {
    encoding: 'utf8',
    env: { ...process.env, TZ: 'UTC', LC_ALL: 'C' },
  });
  expect(r.status, r.stderr).toBe(0);
  return [
    ...r.stdout.matchAll(/(?:Next elapse|Iter\. #\d+): \w{3} (\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}) UTC/g),
  ].map((m) => `${m[1]}T${m[2]}.000Z`);
}

describe.skipIf(!available)(title, () => {
  const base = new Date('2025-01-01T00:00:00Z');
  it.each([
    ['0 2 * * *', 'Asia/Singapore'],
    ['0 0 * * 0', 'Asia/Singapore'],
    ['0 3 1 * *', 'Asia/Singapore'],
    ['*/15 * * * *', 'Asia/Singapore'],
    ['0 2 * * 1-5', 'Asia/Singapore'],
    ['30 6,18 * 1-3 *', 'Asia/Singapore'],
    ['5-20/5 9-17 * * *', 'Asia/Singapore'],
    ['0 2 L * *', 'Asia/Singapore'],
    ['0 2 1 * MON', 'Asia/Singapore'],
    ['0 2 1 * +MON', 'Asia/Singapore'],
    ['0 2 * * *', 'Europe/London'],
  ])('%s in %s', (cron, timeZone) => {
    const t = onCalendar(cron, timeZone);
    if (!t.ok) throw new Error(t.reason);
    const systemd = t.lines.flatMap((l) => systemdNext(l, base, 8));
    const merged = [...new Set(systemd)].sort().slice(0, 8);
    expect(merged).toEqual(nextRuns({ cron, timezone: timeZone }, base, 8).map((d) => d.toISOString()));
  });

  it('differs on a spring-forward day: systemd skips the missing 02:30, croner runs it at 03:00', () => {
    const base = new Date('2025-03-08T12:00:00Z');
    expect(systemdNext('*-*-* 02:30:00 America/New_York', base, 1)).toEqual(['2025-03-10T06:30:00.000Z']);
    expect(nextRuns({ cron: '30 2 * * *', timezone: 'America/New_York' }, base, 1)[0]?.toISOString()).toBe(
      '2025-03-09T07:00:00.000Z',
    );
  });
});
