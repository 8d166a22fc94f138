import { LineCounter, parseDocument } from 'yaml';
import * as z from 'zod';
import { describe, expect, it } from 'vitest';
import { formatProblem, type ConfigProblem } from '../../../src/errors.js';
import { problemsFromZod } from '../../../src/config/issues.js';
import { jobSchema, scheduleRules, schedulesSchema } from '../../../src/config/schedule-schema.js';

/** Validate a `schedules:` YAML text the way loadConfig does: zod, then problems with file:line. */
function problems(yamlText: string): string[] {
  const lines = new LineCounter();
  const doc = parseDocument(yamlText, { lineCounter: lines });
  const value: unknown = doc.toJS();
  const r = z.strictObject({ schedules: schedulesSchema }).safeParse(value);
  if (r.success) return [];
  return problemsFromZod({ file: 'config/database.yml', doc, lines }, r.error.issues, value).map(
    formatProblem,
  );
}

const jobYaml = (cron: string) =>
  `schedules:\n  nightly:\n    mode: incremental\n    cron: ${JSON.stringify(cron)}\n`;

describe('cron expressions are parsed at config load', () => {
  const typos = [
    'every day at 2am',
    '99 99 * * *',
    '* * *',
    '0 2 * * 8',
    '0 25 * * *',
    '61 * * * *',
    '0 2 32 * *',
    '0 2 * 13 *',
    '',
    '0 2 * * * * * *',
    '0 2 * * * *', // seconds: not accepted (crontab and systemd have none)
    '0 2 30 2 *', // never runs
    '/10 * * * *',
    '@reboot',
  ];
  it.each(typos)('rejects %j with file:line and key path', (cron) => {
    const found = problems(jobYaml(cron));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^config\/database\.yml:4 schedules\.nightly\.cron: expected /);
  });

  it('says what is expected and which field is wrong', () => {
    expect(problems(jobYaml('every day at 2am'))[0]).toBe(
      `config/database.yml:4 schedules.nightly.cron: expected a 5-field cron expression such as '0 2 * * *' (minute hour day-of-month month day-of-week); this has 4 fields, found "every day at 2am"`,
    );
    expect(problems(jobYaml('0 25 * * *'))[0]).toContain('expected hour (field 2 of 5, "25") to be 0-23');
    expect(problems(jobYaml('0 2 32 * *'))[0]).toContain(
      'expected day-of-month (field 3 of 5, "32") to be 1-31',
    );
    expect(problems(jobYaml('0 2 * 13 *'))[0]).toContain('expected month (field 4 of 5, "13")');
    expect(problems(jobYaml('0 2 * * 8'))[0]).toContain('expected day-of-week (field 5 of 5, "8")');
    expect(problems(jobYaml('99 99 * * *'))[0]).toContain('expected minute (field 1 of 5, "99")');
    expect(problems(jobYaml('0 2 30 2 *'))[0]).toContain('never runs');
    expect(problems(jobYaml('0 0 2 * * *'))[0]).toContain('a seconds field is not supported');
  });

  it.each([
    '0 2 * * *',
    '0 0 * * 0',
    '0 3 1 * *',
    '*/15 * * * *',
    '0 2 * * 1-5',
    '0 2 * * MON-FRI',
    '@daily',
    '0 2 L * *',
  ])('accepts %j', (cron) => {
    expect(problems(jobYaml(cron))).toEqual([]);
  });

  it('rejects a cron that is not text, and a missing one', () => {
    expect(problems('schedules:\n  nightly:\n    cron: 5\n')[0]).toMatch(
      /:3 schedules\.nightly\.cron: expected/,
    );
    expect(problems('schedules:\n  nightly:\n    mode: full\n')[0]).toMatch(
      /:3 schedules\.nightly\.cron: expected/,
    );
  });
});

describe('other job keys', () => {
  it('fills the defaults', () => {
    expect(jobSchema.parse({ cron: '0 2 * * *' })).toEqual({
      cron: '0 2 * * *',
      enabled: true,
      timezone: 'Asia/Singapore',
      catch_up: true,
      max_catch_up_age: '1d',
    });
  });

  it('rejects a bad time zone, mode, format, range, duration and unknown keys, each at its path', () => {
    const found = problems(
      [
        'schedules:',
        '  custom:',
        "    cron: '0 2 * * *'",
        '    timezone: Asia/Singapur',
        '    mode: nightly',
        '    formats: [parquet, json]',
        '    range: last-week',
        '    max_catch_up_age: 1 day',
        '    retries: 3',
      ].join('\n'),
    );
    expect(found).toEqual([
      expect.stringMatching(/:4 schedules\.custom\.timezone: expected an IANA time zone/),
      expect.stringMatching(/:5 schedules\.custom\.mode: expected one of "incremental", "full", "refresh"/),
      expect.stringMatching(/:6 schedules\.custom\.formats\[1\]: expected one of "csv", "parquet", "xlsx"/),
      expect.stringMatching(
        /:7 schedules\.custom\.range: expected a range expression: today, yesterday, last-N-days/,
      ),
      expect.stringMatching(/:8 schedules\.custom\.max_catch_up_age: expected a duration/),
      expect.stringMatching(/:9 schedules\.custom\.retries: unknown key/),
    ]);
  });

  it.each(['yesterday', 'last-7-days', 'previous-month', '2025-01-01..2025-01-31', 'Month-To-Date'])(
    'accepts the range %j',
    (range) => {
      expect(jobSchema.safeParse({ cron: '@daily', range }).success).toBe(true);
    },
  );
});

describe('schedule rules', () => {
  const sources = {
    polyclinics: { enabled: true, cursor_column: 'updated_at' },
    codes: { enabled: true },
    attendances: { enabled: true, cursor_column: 'updated_at', date_column: 'visit_date' },
    archive: { enabled: false },
  };
  function rules(schedules: Record<string, Record<string, unknown>>): string[] {
    const out: ConfigProblem[] = [];
    const parsed = Object.fromEntries(Object.entries(schedules).map(([k, v]) => [k, jobSchema.parse(v)]));
    scheduleRules({ sources, schedules: parsed }, (path, message) =>
      out.push({ file: 'f', path: path.join('.'), message }),
    );
    return out.map((p) => `${p.path}: ${p.message}`);
  }

  it('accepts the operations examples', () => {
    expect(
      rules({
        daily: { cron: '0 2 * * *', mode: 'incremental', sources: ['attendances', 'polyclinics'] },
        weekly: { cron: '0 0 * * 0', mode: 'refresh' },
        monthly: { cron: '0 3 1 * *', mode: 'full', sources: ['polyclinics', 'codes'] },
        custom: { cron: '0 6 * * *', sources: ['attendances'], range: 'yesterday', formats: ['csv'] },
      }),
    ).toEqual([]);
  });

  it('names unknown sources at their index', () => {
    expect(rules({ j: { cron: '@daily', sources: ['attendances', 'atendances'] } })).toEqual([
      'schedules.j.sources.1: unknown source "atendances" (defined: polyclinics, codes, attendances, archive)',
    ]);
  });

  it('refuses a range with incremental mode, and on sources without a date_column', () => {
    expect(
      rules({ j: { cron: '@daily', mode: 'incremental', range: 'yesterday', sources: ['attendances'] } }),
    ).toEqual([
      expect.stringMatching(/^schedules\.j\.range: a range does not combine with mode: incremental/),
    ]);
    // Without sources: every enabled source, and two of them have no date column (archive is disabled).
    expect(rules({ j: { cron: '@daily', range: 'yesterday' } })).toEqual([
      expect.stringMatching(/^schedules\.j\.range: .*which polyclinics, codes do not have/),
    ]);
  });

  it('refuses incremental mode on a source without a cursor_column', () => {
    expect(rules({ j: { cron: '@daily', mode: 'incremental', sources: ['codes'] } })).toEqual([
      'schedules.j.mode: incremental mode needs a cursor_column, which codes does not have',
    ]);
  });
});
