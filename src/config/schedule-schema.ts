/**
 * The `schedules:` section of config/database.yml: named jobs, each a cron expression in a time
 * zone plus what to run. Cron strings and range expressions are parsed here, at config load, so a
 * typo is a config error (exit 2, file:line and key path) rather than a job that silently never
 * runs. Cross-references (sources exist, a range has a date column) are in `scheduleRules`.
 */
import * as z from 'zod';
import { nameSchema } from './fields.js';
import { MAX_LAST_DAYS, parseRangeExpression, RANGE_EXPRESSION_FORMS } from '../extract/range-expression.js';
import { cronProblem } from '../schedule/cron.js';
import { parseDuration } from './duration.js';
// Type-only: schema.ts imports this file, so a value import back would be a cycle.
import type { ExtractionMode, OutputFormat } from './schema.js';

/**
 * What a job runs. `incremental` and `full` are the extraction modes; `refresh` is a full
 * extraction that replaces the processed dataset and archives the version it replaces.
 */
export const SCHEDULE_MODES = ['incremental', 'full', 'refresh'] as const satisfies readonly (
  ExtractionMode | 'refresh'
)[];
export type ScheduleMode = (typeof SCHEDULE_MODES)[number];

/** Same list as OUTPUT_FORMATS in schema.ts (not imported: see above); the type check keeps them equal. */
const FORMATS = ['csv', 'parquet', 'xlsx'] as const satisfies readonly OutputFormat[];
type SameFormats = Exclude<OutputFormat, (typeof FORMATS)[number]> extends never ? true : never;
const sameFormats: SameFormats = true;
void sameFormats;

/** Default time zone of a schedule: MOH's. */
export const DEFAULT_SCHEDULE_TIMEZONE = 'Asia/Singapore';

const identifier = nameSchema;

const duration = z
  .string()
  .refine((s) => parseDuration(s) !== undefined, {
    error: 'expected a duration such as "30m", "2h" or "1d"',
  })
  .meta({ description: 'A duration: a number followed by ms, s, m, h or d, e.g. "2h".' });

const cron = z
  .string({ error: "expected a 5-field cron expression such as '0 2 * * *'" })
  .check((ctx) => {
    const problem = cronProblem(ctx.value);
    if (problem) ctx.issues.push({ code: 'custom', message: problem, input: ctx.value });
  })
  .meta({
    description:
      "Five-field cron expression (minute hour day-of-month month day-of-week) in the job's time zone, e.g. '0 2 * * *'. @daily, @weekly, @monthly also work.",
  });

const range = z
  .string()
  .refine((s) => parseRangeExpression(s) !== undefined, {
    error: `expected a range expression: ${RANGE_EXPRESSION_FORMS} (N at most ${MAX_LAST_DAYS}; real dates, start not after end)`,
  })
  .meta({
    description: `Dates to extract, relative to the run's scheduled time in the job's time zone: ${RANGE_EXPRESSION_FORMS}.`,
  });

export const jobSchema = z.strictObject({
  description: z.string().optional(),
  enabled: z.boolean().default(true),
  cron,
  timezone: z
    .string()
    .refine(isTimeZone, { error: 'expected an IANA time zone such as "Asia/Singapore"' })
    .default(DEFAULT_SCHEDULE_TIMEZONE)
    .meta({ description: 'Time zone the cron expression is read in. Default Asia/Singapore.' }),
  mode: z.enum(SCHEDULE_MODES).optional().meta({
    description:
      "incremental, full, or refresh (full, replacing the processed dataset and archiving the old version). Default: each source's own mode; with range, the range.",
  }),
  sources: z
    .array(identifier)
    .min(1)
    .optional()
    .meta({ description: 'Sources this job runs. Default: every enabled source.' }),
  formats: z
    .array(z.enum(FORMATS))
    .min(1)
    .optional()
    .meta({ description: 'Output formats for this job. Default: output.formats.' }),
  range: range.optional(),
  catch_up: z.boolean().default(true).meta({
    description:
      'A run missed while the scheduler was down runs once when it starts (false: it is reported as missed, not run).',
  }),
  max_catch_up_age: duration.default('1d').meta({
    description: 'A missed run older than this is reported as missed, not run. Default 1d.',
  }),
  timeout: duration.optional().meta({
    description:
      'Stop a run of this job that is still going after this long (it checkpoints; it is reported).',
  }),
  sla: duration.optional().meta({
    description: 'Report the job as late when a run has not finished this long after its scheduled time.',
  }),
});

export const schedulesSchema = z.record(identifier, jobSchema).default({}).meta({
  description: 'Scheduled jobs by name: moh-etl schedule runs them; --print writes systemd or crontab units.',
});

export type ScheduleJob = z.output<typeof jobSchema>;
export type Schedules = z.output<typeof schedulesSchema>;

/** The slice of the config the schedule rules read. */
export interface ScheduleRulesInput {
  sources: Record<string, { enabled: boolean; cursor_column?: string; date_column?: string }>;
  schedules: Record<string, ScheduleJob>;
}

/**
 * Rules across sections: a job's sources exist; a range is not combined with incremental mode
 * (an increment is decided by the watermark, not by dates) and every source it runs has a
 * date_column; an incremental job's sources have a cursor_column. `at(path, message)` records a
 * problem at a key path.
 */
export function scheduleRules(
  config: ScheduleRulesInput,
  at: (path: string[], message: string) => void,
): void {
  const names = Object.keys(config.sources);
  const defined = names.length ? names.join(', ') : '(none defined)';
  for (const [name, job] of Object.entries(config.schedules)) {
    const where = ['schedules', name];
    (job.sources ?? []).forEach((s, i) => {
      if (!Object.hasOwn(config.sources, s))
        at([...where, 'sources', String(i)], `unknown source "${s}" (defined: ${defined})`);
    });
    const runs = (job.sources ?? names.filter((n) => config.sources[n]!.enabled)).filter((s) =>
      Object.hasOwn(config.sources, s),
    );
    if (job.range !== undefined && job.mode === 'incremental') {
      at(
        [...where, 'range'],
        'a range does not combine with mode: incremental (an increment starts at the watermark); remove mode, or use full or refresh',
      );
    } else if (job.range !== undefined) {
      const undated = runs.filter((s) => !config.sources[s]!.date_column);
      if (undated.length)
        at(
          [...where, 'range'],
          `a range filters on each source's date_column, which ${undated.join(', ')} do${undated.length === 1 ? 'es' : ''} not have; list the dated sources under sources:`,
        );
    }
    if (job.mode === 'incremental') {
      const uncursored = runs.filter((s) => !config.sources[s]!.cursor_column);
      if (uncursored.length)
        at(
          [...where, 'mode'],
          `incremental mode needs a cursor_column, which ${uncursored.join(', ')} do${uncursored.length === 1 ? 'es' : ''} not have`,
        );
    }
  }
}

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
