/**
 * The calendar date of a date or timestamp value, as a `yyyymmdd` integer (ages and
 * generalisations read year, month and day from it without converting). A date is its own day; a naive
 * timestamp is wall-clock time, so its date is as written; a UTC timestamp ("…Z") is an instant,
 * and its date is the one on the wall calendar of the configured time zone (a visit at
 * 2025-01-01T17:30Z happened on 2 January in Singapore).
 */
import type { CellValue, ColumnType } from '../schema/column-types.js';
import { dayOfText, daysFromCivil, digitsAt, ymdFromDays, ymdOfText } from './calendar.js';

/** Reads one value as `yyyymmdd`; NaN when it is not a recognisable date (the caller counts it). NULL is NaN too. */
export type DateReader = (value: CellValue) => number;

/** Whether a column of this type has a calendar date. */
export function hasCalendarDate(type: ColumnType): boolean {
  return type.kind === 'date' || type.kind === 'timestamp';
}

/** A reader of the calendar date of values of `type`, or undefined if the type has none. */
export function dateReader(type: ColumnType, timeZone: string): DateReader | undefined {
  if (type.kind === 'date' || (type.kind === 'timestamp' && type.tz === 'naive')) return wallDate;
  if (type.kind === 'timestamp') return zonedDateReader(timeZone);
  return undefined;
}

const wallDate: DateReader = (value) => (typeof value === 'string' ? ymdOfText(value) : NaN);

const SECONDS_PER_DAY = 86_400;
/** Offsets are cached per UTC day; a run rarely spans more days than this, and clearing is cheap. */
const MAX_CACHED_DAYS = 50_000;

function zonedDateReader(timeZone: string): DateReader {
  const offsets = new ZoneOffsets(timeZone);
  return (value) => {
    if (typeof value !== 'string') return NaN;
    const day = dayOfText(value);
    const hh = digitsAt(value, 11, 2);
    const mm = digitsAt(value, 14, 2);
    const ss = digitsAt(value, 17, 2);
    if (Number.isNaN(day) || hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss < 0 || ss > 60) return NaN;
    const instant = day * SECONDS_PER_DAY + hh * 3600 + mm * 60 + Math.min(ss, 59);
    return ymdFromDays(Math.floor((instant + offsets.at(instant)) / SECONDS_PER_DAY));
  };
}

/**
 * UTC offsets of one time zone in seconds, from Intl (the only source of the tz database in Node).
 * formatToParts costs microseconds, so a UTC day whose offset is the same at its first and last
 * second is cached as one offset (zones change offset at most once a day); a day with a transition
 * asks Intl for every value of that day.
 */
class ZoneOffsets {
  readonly #format: Intl.DateTimeFormat;
  readonly #byDay = new Map<number, number>();

  constructor(timeZone: string) {
    this.#format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      era: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  }

  /** Offset (local minus UTC, seconds) at a UTC instant given in seconds since the epoch. */
  at(instant: number): number {
    const day = Math.floor(instant / SECONDS_PER_DAY);
    let offset = this.#byDay.get(day);
    if (offset === undefined) {
      const first = this.#exact(day * SECONDS_PER_DAY);
      const last = this.#exact(day * SECONDS_PER_DAY + SECONDS_PER_DAY - 1);
      offset = first === last ? first : NaN;
      if (this.#byDay.size >= MAX_CACHED_DAYS) this.#byDay.clear();
      this.#byDay.set(day, offset);
    }
    return Number.isNaN(offset) ? this.#exact(instant) : offset;
  }

  #exact(instant: number): number {
    let year = 0;
    let month = 0;
    let day = 0;
    let seconds = 0;
    let bc = false;
    for (const part of this.#format.formatToParts(new Date(instant * 1000))) {
      const v = Number(part.value);
      if (part.type === 'year') year = v;
      else if (part.type === 'month') month = v;
      else if (part.type === 'day') day = v;
      else if (part.type === 'hour') seconds += v * 3600;
      else if (part.type === 'minute') seconds += v * 60;
      else if (part.type === 'second') seconds += v;
      else if (part.type === 'era') bc = part.value.startsWith('B');
    }
    const local = daysFromCivil(bc ? 1 - year : year, month, day) * SECONDS_PER_DAY + seconds;
    return local - instant;
  }
}
