/**
 * `moh-etl schedule --list`: each job with its next run times, shown in the job's own time zone
 * with the UTC offset (a DST change shows as a changed offset, not a shifted hour).
 */
import type { ScheduleJob } from '../config/schedule-schema.js';
import { localDateTime } from '../extract/date-range.js';
import { parseRangeExpression, resolveRangeExpression } from '../extract/range-expression.js';
import { nextRuns } from './decisions.js';

export interface JobListing {
  name: string;
  enabled: boolean;
  cron: string;
  timezone: string;
  /** The job's mode, or what it runs without one: each source's own mode, or its range. */
  mode: string;
  /** undefined: every enabled source. */
  sources: string[] | undefined;
  formats: string[] | undefined;
  range: string | undefined;
  /** The dates the range means for the first next run. */
  nextRange: { start: string; end: string } | undefined;
  /** Next run times, "YYYY-MM-DD HH:MM +08:00" in the job's zone (none for a disabled job). */
  next: string[];
}

/** One listing per job, in config order, with the next `n` run times after `now`. */
export function listJobs(jobs: Record<string, ScheduleJob>, now: Date, n = 3): JobListing[] {
  return Object.entries(jobs).map(([name, job]) => {
    const times = job.enabled ? nextRuns(job, now, n) : [];
    const expr = job.range === undefined ? undefined : parseRangeExpression(job.range);
    return {
      name,
      enabled: job.enabled,
      cron: job.cron,
      timezone: job.timezone,
      mode: job.mode ?? (job.range ? 'range' : 'per source'),
      sources: job.sources,
      formats: job.formats,
      range: job.range,
      nextRange: expr && times[0] ? resolveRangeExpression(expr, times[0], job.timezone) : undefined,
      next: times.map((t) => zonedText(t, job.timezone)),
    };
  });
}

/** Rows for the CLI's table printer: a header, then one row per job. */
export function listingTable(listings: JobListing[]): string[][] {
  return [
    ['job', 'cron', 'time zone', 'mode', 'sources', 'range', 'next runs'],
    ...listings.map((l) => [
      l.name,
      l.cron,
      l.timezone,
      l.mode,
      l.sources?.join(' ') ?? 'all enabled',
      l.range ? `${l.range}${l.nextRange ? ` (${l.nextRange.start}..${l.nextRange.end})` : ''}` : '-',
      l.enabled ? l.next.join(', ') : 'disabled',
    ]),
  ];
}

/** "2025-03-09 03:00 -04:00": local wall-clock time in `timeZone` and its UTC offset. */
export function zonedText(instant: Date, timeZone: string): string {
  const local = localDateTime(instant, timeZone);
  const offsetMin = Math.round(
    (Date.parse(`${local}Z`) - Math.floor(instant.getTime() / 1000) * 1000) / 60_000,
  );
  const sign = offsetMin < 0 ? '-' : '+';
  const abs = Math.abs(offsetMin);
  const hh = String(Math.floor(abs / 60)).padStart(2, '0');
  const mm = String(abs % 60).padStart(2, '0');
  return `${local.slice(0, 10)} ${local.slice(11, 16)} ${sign}${hh}:${mm}`;
}
