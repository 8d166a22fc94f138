import { describe, expect, it } from 'vitest';
import { jobSchema, type ScheduleJob } from '../../../src/config/schedule-schema.js';
import { printCrontab } from '../../../src/schedule/crontab.js';
import { listingTable, listJobs, zonedText } from '../../../src/schedule/list.js';
import { onCalendar } from '../../../src/schedule/oncalendar.js';
import { printSystemd, unitsText } from '../../../src/schedule/systemd.js';

const jobs = (spec: Record<string, Record<string, unknown>>): Record<string, ScheduleJob> =>
  Object.fromEntries(Object.entries(spec).map(([k, v]) => [k, jobSchema.parse(v)]));

const operations = jobs({
  daily_incremental: { cron: '0 2 * * *', mode: 'incremental', sources: ['attendances', 'diagnoses'] },
  weekly_refresh: { cron: '0 0 * * 0', mode: 'refresh', timeout: '6h' },
  monthly_reference: { cron: '0 3 1 * *', mode: 'full', sources: ['polyclinics'], catch_up: false },
  last_friday: { cron: '0 4 * * 5L', sources: ['attendances'], range: 'previous-week' },
  paused: { cron: '*/15 * * * *', enabled: false },
});

const lines = (cron: string, tz = 'Asia/Singapore') => {
  const t = onCalendar(cron, tz);
  return t.ok ? t.lines : `unsupported: ${t.reason}`;
};

describe('cron to OnCalendar', () => {
  it.each([
    ['0 2 * * *', ['*-*-* 02:00:00 Asia/Singapore']],
    ['0 0 * * 0', ['Sun *-*-* 00:00:00 Asia/Singapore']],
    ['0 0 * * 7', ['Sun *-*-* 00:00:00 Asia/Singapore']],
    ['0 3 1 * *', ['*-*-01 03:00:00 Asia/Singapore']],
    ['*/15 * * * *', ['*-*-* *:00/15:00 Asia/Singapore']],
    ['0 2 * * 1-5', ['Mon..Fri *-*-* 02:00:00 Asia/Singapore']],
    ['0 2 * * SAT,SUN', ['Sat,Sun *-*-* 02:00:00 Asia/Singapore']],
    ['30 6,18 * 1-3 *', ['*-01..03-* 06,18:30:00 Asia/Singapore']],
    ['5-20/5 9-17 * * *', ['*-*-* 09..17:05,10,15,20:00 Asia/Singapore']],
    ['0 2 L * *', ['*-*~01 02:00:00 Asia/Singapore']],
    ['@monthly', ['*-*-01 00:00:00 Asia/Singapore']],
    // Vixie cron: the 1st OR any Monday; one OnCalendar line would mean AND, so two lines.
    ['0 2 1 * MON', ['Mon *-*-* 02:00:00 Asia/Singapore', '*-*-01 02:00:00 Asia/Singapore']],
    ['0 2 1 * +MON', ['Mon *-*-01 02:00:00 Asia/Singapore']],
  ])('%s', (cron, expected) => {
    expect(lines(cron)).toEqual(expected);
  });

  it('says when there is no faithful equivalent', () => {
    expect(lines('0 2 * * 5L')).toMatch(/^unsupported: # and L on a weekday/);
    expect(lines('0 2 * * MON#1')).toMatch(/^unsupported: # and L on a weekday/);
    expect(lines('0 2 15W * *')).toMatch(/^unsupported: W/);
  });
});

describe('systemd units', () => {
  const units = printSystemd(operations, {
    execPath: '/usr/bin/node',
    execArgs: ['/opt/moh etl/dist/src/cli/bin.js'],
    projectDir: '/srv/moh-etl',
    user: 'mohetl',
  });

  it('writes the foreground scheduler service', () => {
    expect(units.scheduler.map((u) => u.name)).toEqual(['moh-etl-scheduler.service']);
    const text = units.scheduler[0]!.text;
    for (const line of [
      'Type=simple',
      'User=mohetl',
      'WorkingDirectory=/srv/moh-etl',
      'ExecStart=/usr/bin/node "/opt/moh etl/dist/src/cli/bin.js" schedule',
      'Restart=on-failure',
      'KillSignal=SIGTERM',
      'TimeoutStopSec=90s',
      'WantedBy=multi-user.target',
    ])
      expect(text.split('\n')).toContain(line);
  });

  it('writes a oneshot service and a timer per enabled job, in the job’s zone', () => {
    expect(units.timers.map((u) => u.name)).toEqual([
      'moh-etl-daily_incremental.service',
      'moh-etl-daily_incremental.timer',
      'moh-etl-weekly_refresh.service',
      'moh-etl-weekly_refresh.timer',
      'moh-etl-monthly_reference.service',
      'moh-etl-monthly_reference.timer',
      'moh-etl-last_friday.service',
    ]);
    const get = (name: string) => units.timers.find((u) => u.name === name)!.text.split('\n');
    expect(get('moh-etl-daily_incremental.service')).toEqual(
      expect.arrayContaining([
        'Type=oneshot',
        'ExecStart=/usr/bin/node "/opt/moh etl/dist/src/cli/bin.js" run --job daily_incremental',
        'TimeoutStartSec=infinity',
      ]),
    );
    expect(get('moh-etl-weekly_refresh.service')).toContain('TimeoutStartSec=6h');
    expect(get('moh-etl-daily_incremental.timer')).toEqual(
      expect.arrayContaining([
        'OnCalendar=*-*-* 02:00:00 Asia/Singapore',
        'Persistent=true',
        'Unit=moh-etl-daily_incremental.service',
        'WantedBy=timers.target',
      ]),
    );
    expect(get('moh-etl-monthly_reference.timer')).toContain('Persistent=false');
    // No timer for an expression systemd cannot express; the service says why.
    expect(get('moh-etl-last_friday.service').join('\n')).toMatch(
      /# No timer: '0 4 \* \* 5L' has no faithful OnCalendar= equivalent/,
    );
    expect(unitsText(units.timers)).toMatch(/^### moh-etl-daily_incremental\.service\n# Generated/);
  });
});

describe('crontab', () => {
  const text = printCrontab(operations, {
    execPath: '/usr/local/bin/moh-etl',
    projectDir: "/srv/moh's etl",
    configPath: 'config/database.yml',
  });

  it('writes CRON_TZ and a line per enabled job that calls run --job', () => {
    const l = text.split('\n');
    const at = l.indexOf(
      "0 2 * * * cd '/srv/moh'\\''s etl' && /usr/local/bin/moh-etl run --job daily_incremental --config config/database.yml >> logs/cron.log 2>&1",
    );
    expect(at).toBeGreaterThan(0);
    expect(l[at - 1]).toBe('CRON_TZ=Asia/Singapore');
    expect(l).toContain('# weekly_refresh: refresh, all enabled sources');
    expect(text).toMatch(/^0 0 \* \* 0 cd .* run --job weekly_refresh /m);
  });

  it('comments out disabled jobs and expressions classic cron lacks', () => {
    expect(text).toMatch(/# disabled in database.yml:\n# \*\/15 \* \* \* \* cd .* run --job paused/);
    expect(text).toMatch(
      /# '0 4 \* \* 5L' uses L or # \(last or nth day\), which classic cron lacks[^\n]*\n# 0 4 \* \* 5L cd/,
    );
    expect(text).not.toMatch(/^0 4 \* \* 5L/m);
  });

  it('escapes % (it ends a crontab command)', () => {
    const t = printCrontab(jobs({ j: { cron: '@daily' } }), { execPath: 'moh-etl', projectDir: '/srv/100%' });
    expect(t).toContain("@daily cd '/srv/100\\%' && moh-etl run --job j");
  });
});

describe('schedule --list', () => {
  it('shows the next run times in each job’s zone, with its offset', () => {
    const now = new Date('2025-03-08T12:00:00Z');
    const rows = listJobs(
      {
        ...operations,
        ny: jobSchema.parse({ cron: '30 2 * * *', timezone: 'America/New_York', range: 'yesterday' }),
      },
      now,
      2,
    );
    expect(rows.find((r) => r.name === 'daily_incremental')).toMatchObject({
      mode: 'incremental',
      sources: ['attendances', 'diagnoses'],
      next: ['2025-03-09 02:00 +08:00', '2025-03-10 02:00 +08:00'],
    });
    expect(rows.find((r) => r.name === 'ny')).toMatchObject({
      mode: 'range',
      next: ['2025-03-09 03:00 -04:00', '2025-03-10 02:30 -04:00'],
      nextRange: { start: '2025-03-08', end: '2025-03-08' },
    });
    expect(rows.find((r) => r.name === 'paused')).toMatchObject({ enabled: false, next: [] });
    const table = listingTable(rows);
    expect(table[0]).toEqual(['job', 'cron', 'time zone', 'mode', 'sources', 'range', 'next runs']);
    expect(table.find((r) => r[0] === 'weekly_refresh')?.[4]).toBe('all enabled');
    expect(table.find((r) => r[0] === 'last_friday')?.[5]).toBe('previous-week (2025-03-17..2025-03-23)');
  });

  it('formats an instant with its zone offset', () => {
    expect(zonedText(new Date('2025-11-02T06:30:00Z'), 'America/New_York')).toBe('2025-11-02 01:30 -05:00');
    expect(zonedText(new Date('2025-01-01T00:00:00Z'), 'Asia/Kolkata')).toBe('2025-01-01 05:30 +05:30');
  });
});
