/**
 * freshness: how old the newest value of a column is, against warn_after / error_after /
 * critical_after (like dbt's source freshness), the signal for a dead feed. The status and severity
 * follow the highest threshold crossed: warn_after alone warns, error_after and critical_after fail
 * at their severity. No newest value at all (no rows, or only NULLs) fails at the highest
 * configured threshold: a feed that has never delivered is as dead as one that stopped.
 *
 * When the newest value was: a UTC timestamp is an instant; a naive timestamp is a wall clock in the
 * source's time zone; a date is the END of that day in that zone (a date stands for some time during
 * the day, and its end is the most recent instant it can mean: a feed that delivered yesterday's
 * rows is 0–24 h old this morning, not 24–48 h). Text columns holding ISO dates or timestamps are
 * read by their shape. The newest value is a timestamp, not an identity, so reports show it, unless
 * the column is one of the masked (PII) columns.
 */
import { parseDuration } from '../config/duration.js';
import { FRESHNESS_LEVELS } from '../config/validation-schema.js';
import { addDays, localDateTime, zonedMidnightUtc } from '../extract/date-range.js';
import type { SqlFragment } from '../extract/keyset.js';
import type { Logger } from '../observe/logger.js';
import type { CellValue, ColumnSpec, ColumnType } from '../schema/column-types.js';
import { canonicalTimestamp } from '../schema/timestamp-text.js';
import type { CheckPlan } from './compile.js';
import { parseableDate } from './dates.js';
import { errored } from './evaluate.js';
import { MASK } from './mask.js';
import type { CheckResult, CheckStatus } from './result.js';
import type { CheckDatabase } from './sql/database.js';
import { col } from './sql/predicates.js';

export interface FreshnessInput {
  /** MAX(column) as the database returned it (null: no value). */
  latest: CellValue;
  type: ColumnType;
  now: Date;
  /** The source's time zone: naive timestamps and dates are read in it. */
  timeZone: string;
  /** Rows in the checked scope (reported as the result's rows). */
  rows: number;
  /** Hide the newest value (the column is masked in this source). */
  masked: boolean;
  /** Where the maximum was taken, for the message: "the source", "the processed dataset". */
  where: string;
}

/** MAX(column) over `from` (a whole source query, or a dataset's rows). */
export async function latestValue(db: CheckDatabase, from: SqlFragment, column: string): Promise<CellValue> {
  const res = await db.query(
    `SELECT MAX(${col(db.dialect, column)}) AS latest FROM (${from.sql.trim()}) v`,
    from.bindings,
  );
  return res.rows[0]?.[0] ?? null;
}

export function freshnessResult(p: CheckPlan, input: FreshnessInput): CheckResult {
  const c = p.config;
  if (c.check !== 'freshness') throw new Error('not a freshness check');
  const levels = FRESHNESS_LEVELS.flatMap((l) => {
    const text = c[l.key];
    return text === undefined ? [] : [{ ...l, text, ms: parseDuration(text) ?? 0 }];
  });
  const limits = levels.map((l) => `${l.key.replace('_', ' ')} ${l.text}`).join(', ');
  const column = p.columns[0]!;
  const latest = input.latest === null ? undefined : canonicalLatest(input.latest, input.type);
  const instant = latest === undefined ? undefined : latestInstant(latest, input.type, input.timeZone);
  const base = {
    id: p.id,
    kind: p.kind,
    columns: p.columns,
    engine: p.engine,
    scope: p.scope,
    threshold: {
      fail: p.fail,
      denominator: p.denominator,
      after: Object.fromEntries(levels.map((l) => [l.severity, l.text])),
    },
    samples: [],
  };
  if (latest === undefined || instant === undefined) {
    const highest = levels.at(-1)!;
    const reason =
      latest === undefined
        ? `no value in ${column} in ${input.where} (no rows, or only NULLs): no newest value to judge`
        : `the newest ${column} is not a date or timestamp`;
    return {
      ...base,
      severity: highest.severity,
      status: statusAt(highest.severity),
      observed: { failed: 1, rows: input.rows, percent: 0 },
      message: `${reason}; counts as older than ${highest.key} ${highest.text} (${limits})`,
    };
  }
  const ageMs = input.now.getTime() - instant;
  const crossed = levels.filter((l) => ageMs > l.ms).at(-1);
  const status = crossed ? statusAt(crossed.severity) : 'pass';
  const ageHours = Math.round(ageMs / 36_000) / 100;
  const shown = input.masked ? MASK : latest;
  // The age of a masked value is the value (a date of birth to the day): it is not shown either.
  const age = input.masked
    ? 'age not shown (masked column)'
    : ageMs < 0
      ? `${describeAge(-ageHours)} in the future`
      : `${describeAge(ageHours)} old`;
  return {
    ...base,
    severity: crossed?.severity ?? p.severity,
    status,
    observed: {
      failed: status === 'fail' ? 1 : 0,
      rows: input.rows,
      percent: 0,
      value: shown,
      ...(input.masked ? {} : { age_hours: ageHours }),
    },
    message: `newest ${column} in ${input.where} is ${shown}, ${age}${crossed ? `: older than ${crossed.key} ${crossed.text}` : ''} (${limits})`,
  };
}

/** Hours for a day or two, days beyond (the exact hours are in observed.age_hours). */
function describeAge(hours: number): string {
  return hours < 48 ? `${hours} h` : `${(hours / 24).toFixed(1)} days`;
}

const statusAt = (severity: 'warn' | 'error' | 'critical'): CheckStatus =>
  severity === 'warn' ? 'warn' : 'fail';

/** The maximum as canonical text of its column's type (SQLite's MAX() comes back as bare text). */
function canonicalLatest(value: CellValue, type: ColumnType): string {
  const text = typeof value === 'string' ? value : String(value);
  if (type.kind === 'timestamp') return canonicalTimestamp(text, type.precision, type.tz === 'utc');
  if (type.kind === 'date') return text.slice(0, 10);
  return text;
}

/** The instant (epoch ms) the newest value stands for; undefined when it is not a date or timestamp. */
export function latestInstant(text: string, type: ColumnType, timeZone: string): number | undefined {
  if (type.kind !== 'date' && type.kind !== 'timestamp' && !parseableDate(text)) return undefined;
  if (type.kind === 'date' || text.length === 10)
    return Date.parse(zonedMidnightUtc(addDays(text.slice(0, 10), 1), timeZone));
  const utc = type.kind === 'timestamp' ? type.tz === 'utc' : /(?:Z|[+-]\d\d:?\d\d)$/.test(text);
  if (utc) return Date.parse(millis(text));
  return wallClockInstant(text, timeZone);
}

/** ISO text with at most millisecond digits, which every Date.parse accepts. */
function millis(text: string): string {
  return text.replace(' ', 'T').replace(/(\.\d{3})\d+/, '$1');
}

/**
 * The instant a wall-clock time in `timeZone` names: read it as UTC, then subtract the zone's offset
 * there, once more at the corrected instant (a DST change between the two). A time skipped by a DST
 * change lands an hour later; a repeated one resolves to one of its two instants.
 */
export function wallClockInstant(wall: string, timeZone: string): number {
  const guess = Date.parse(`${millis(wall).slice(0, 23)}Z`);
  const offset = (at: number) =>
    Date.parse(`${localDateTime(new Date(at), timeZone)}Z`) - Math.floor(at / 1000) * 1000;
  const first = guess - offset(guess);
  return guess - offset(first);
}

/** MAX(column) over `from`, judged; a query failure is the check's error, not the source's. */
export async function runFreshness(
  db: CheckDatabase,
  from: SqlFragment,
  p: CheckPlan,
  columns: readonly ColumnSpec[],
  input: Omit<FreshnessInput, 'latest' | 'type'>,
  log: Logger,
): Promise<CheckResult> {
  const column = p.columns[0]!;
  try {
    const latest = await latestValue(db, from, column);
    return freshnessResult(p, { ...input, latest, type: columns.find((c) => c.name === column)!.type });
  } catch (e) {
    log.warn({ err: e, check: p.id }, 'check could not run');
    return errored(p, (e as Error).message);
  }
}
