/**
 * Cron expressions, parsed by croner (never by hand). moh-etl accepts the classic five fields
 * (minute hour day-of-month month day-of-week) and the common nicknames (`@daily`…), not croner's
 * optional seconds and year fields: a schedule must mean the same in `moh-etl schedule`, in a
 * crontab line and in a systemd timer, and neither of those has seconds. croner's extensions
 * (`L`, `W`, `#`, `+`) run in the foreground scheduler; the crontab and systemd printers say so
 * when they cannot express one.
 *
 * DST (croner follows Vixie cron): a fixed-time job whose time falls in a spring-forward gap runs
 * once, at the first valid time after the gap; a time that occurs twice (fall back) runs once, at
 * its first occurrence. `fixedTimeRule: 'no-wildcard'` makes `0 2,14 * * *` a fixed-time job too,
 * as in Vixie cron; only jobs with a wildcard or step in the minute or hour field (`*\/15 * * * *`)
 * run on both passes through a repeated hour.
 */
import { Cron, CronPattern, type CronOptions } from 'croner';

/** The five fields, in order, with the values each accepts (for error messages). */
export const CRON_FIELDS = [
  { name: 'minute', values: '0-59' },
  { name: 'hour', values: '0-23' },
  { name: 'day-of-month', values: '1-31, L or W' },
  { name: 'month', values: '1-12 or JAN-DEC' },
  { name: 'day-of-week', values: '0-7 (0 and 7 are Sunday) or SUN-SAT' },
] as const;

const FIELD_HELP = "such as '0 2 * * *' (minute hour day-of-month month day-of-week)";

/** Nicknames and the five fields they stand for. `@reboot` is not a schedule. */
export const CRON_NICKNAMES: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/** croner's names for the fields, as they appear in its error messages. */
const CRONER_FIELD: Record<string, number> = { minute: 0, hour: 1, day: 2, month: 3, dayOfWeek: 4 };

/** The expression as five fields: nicknames expanded, whitespace collapsed. */
export function normalizeCron(text: string): string {
  const trimmed = text.trim().replace(/\s+/g, ' ');
  return CRON_NICKNAMES[trimmed.toLowerCase()] ?? trimmed;
}

const OPTIONS: CronOptions = { mode: '5-part', fixedTimeRule: 'no-wildcard', paused: true };

/**
 * Why `text` is not a usable cron expression, as an "expected …" message for a config problem;
 * undefined when it is fine. An expression that can never fire (`0 2 30 2 *`) is a problem too.
 */
export function cronProblem(text: string): string | undefined {
  const normalized = normalizeCron(text);
  const fields = normalized === '' ? [] : normalized.split(' ');
  if (fields.length !== 5) {
    const why =
      fields.length === 6
        ? ' (a seconds field is not supported: crontab and systemd timers have none)'
        : normalized.startsWith('@')
          ? ` (nicknames: ${Object.keys(CRON_NICKNAMES).join(', ')})`
          : '';
    return `expected a 5-field cron expression ${FIELD_HELP}; this has ${fields.length} field${fields.length === 1 ? '' : 's'}${why}`;
  }
  let cron: Cron;
  try {
    cron = new Cron(normalized, OPTIONS);
  } catch (e) {
    return describeCronerError(e instanceof Error ? e.message : String(e), fields);
  }
  // 29 February recurs within 8 years; anything that matches no day in 30 years never will.
  if (cron.nextRun(new Date(Date.UTC(2000, 0, 1))) === null || !cron.nextRun(new Date())) {
    return 'expected a cron expression that matches a real date (this one never runs, e.g. 30 February)';
  }
  return undefined;
}

function describeCronerError(message: string, fields: string[]): string {
  const field = /Invalid value for (\w+)/.exec(message)?.[1];
  const index = field === undefined ? undefined : CRONER_FIELD[field];
  if (index !== undefined) {
    const spec = CRON_FIELDS[index]!;
    return `expected ${spec.name} (field ${index + 1} of 5, "${fields[index]}") to be ${spec.values}, or a list, range or */step of them`;
  }
  return `expected a cron expression ${FIELD_HELP} (${message.replace(/^CronPattern:\s*/, '')})`;
}

/** A croner schedule for a (valid) expression in a time zone; it never starts a timer. */
export function compileCron(text: string, timeZone: string): Cron {
  return new Cron(normalizeCron(text), { ...OPTIONS, timezone: timeZone });
}

/** croner's parsed fields, for printers that translate the expression to another syntax. */
export function cronPattern(text: string): CronPattern {
  return new CronPattern(normalizeCron(text), undefined, { mode: '5-part', fixedTimeRule: 'no-wildcard' });
}

/**
 * The croner extension an expression uses that classic cron (Vixie, cronie) lacks, described for
 * a comment; undefined for a portable expression. `?` is not listed: it means `*` everywhere.
 */
export function cronExtension(text: string): string | undefined {
  const p = cronPattern(text);
  if (p.lastDayOfMonth || p.dayOfWeek.some((v) => v !== 0 && v !== 0b111111))
    return 'L or # (last or nth day)';
  if (p.lastWeekday || p.nearestWeekdays.some(Boolean)) return 'W (nearest weekday)';
  if (p.useAndLogic) return '+ (day-of-month AND day-of-week)';
  return undefined;
}
