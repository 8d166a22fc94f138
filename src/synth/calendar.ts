/**
 * Time for the generator. Instants are integers of microseconds since the Unix epoch (exact in a
 * double until the year 2255). Singapore wall-clock ("local") times use the same encoding as if
 * the wall clock were UTC; {@link localToUtc} subtracts the fixed +08:00 offset (Singapore has
 * had no daylight saving since 1982).
 *
 * Output formats follow src/schema/column-types.ts:
 * date `YYYY-MM-DD`, naive timestamp `YYYY-MM-DDTHH:MM:SS.ffffff`, UTC `...ffffffZ`.
 */

export const US_PER_SECOND = 1_000_000;
export const US_PER_MINUTE = 60 * US_PER_SECOND;
export const US_PER_HOUR = 60 * US_PER_MINUTE;
export const US_PER_DAY = 24 * US_PER_HOUR;
export const SGT_OFFSET_US = 8 * US_PER_HOUR;

const MS_PER_DAY = 86_400_000;
// Dense caches for days 1850-01-01 .. 2249-12-31 (day numbers -43830 .. 102270).
const CACHE_BASE = 43_830;
const CACHE_SIZE = 146_100;
const dateCache: (string | undefined)[] = new Array<string | undefined>(CACHE_SIZE);

/** Days since 1970-01-01 for a `YYYY-MM-DD` string; throws a plain Error when malformed. */
export function parseDate(value: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) throw new Error(`expected a date as YYYY-MM-DD, got "${value}"`);
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  const day = ms / MS_PER_DAY;
  if (formatDate(day) !== value) throw new Error(`not a calendar date: "${value}"`);
  return day;
}

/** `YYYY-MM-DD` for a day number. */
export function formatDate(day: number): string {
  const i = day + CACHE_BASE;
  if (i >= 0 && i < CACHE_SIZE) {
    return (dateCache[i] ??= new Date(day * MS_PER_DAY).toISOString().slice(0, 10));
  }
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}

// Timestamps are built from char codes in one allocation: concatenating ten pieces creates a
// chain of rope strings per value, which costs several times more in garbage collection.
const NAIVE_CODES: number[] = new Array<number>(26).fill(48);
const UTC_CODES: number[] = new Array<number>(27).fill(48);
UTC_CODES[26] = 90; // Z
let codesDay = NaN;

function fillCodes(codes: number[], us: number): void {
  const day = Math.floor(us / US_PER_DAY);
  const rem = us - day * US_PER_DAY;
  if (day !== codesDay) {
    const date = formatDate(day);
    for (let i = 0; i < 10; i++) NAIVE_CODES[i] = UTC_CODES[i] = date.charCodeAt(i);
    NAIVE_CODES[10] = UTC_CODES[10] = 84; // T
    codesDay = day;
  }
  const secs = Math.floor(rem / US_PER_SECOND);
  const micros = rem - secs * US_PER_SECOND;
  const h = Math.floor(secs / 3600);
  const m = Math.floor((secs - h * 3600) / 60);
  const s = secs - h * 3600 - m * 60;
  codes[11] = 48 + Math.floor(h / 10);
  codes[12] = 48 + (h % 10);
  codes[13] = 58;
  codes[14] = 48 + Math.floor(m / 10);
  codes[15] = 48 + (m % 10);
  codes[16] = 58;
  codes[17] = 48 + Math.floor(s / 10);
  codes[18] = 48 + (s % 10);
  codes[19] = 46;
  let f = micros;
  for (let i = 25; i >= 20; i--) {
    codes[i] = 48 + (f % 10);
    f = Math.floor(f / 10);
  }
}

/** `YYYY-MM-DDTHH:MM:SS.ffffff` for an instant in microseconds (no zone suffix). */
export function formatTimestamp(us: number): string {
  fillCodes(NAIVE_CODES, us);
  return String.fromCharCode.apply(null, NAIVE_CODES);
}

/** Naive Singapore wall-clock timestamp string. */
export const formatLocal = formatTimestamp;

/** UTC timestamp string with the `Z` suffix. */
export function formatUtc(us: number): string {
  // created_at and updated_at are usually equal and formatted one after the other.
  if (us === lastUtc) return lastUtcText;
  fillCodes(UTC_CODES, us);
  lastUtc = us;
  return (lastUtcText = String.fromCharCode.apply(null, UTC_CODES));
}
let lastUtc = NaN;
let lastUtcText = '';

/**
 * Microseconds since the epoch for a canonical timestamp (`YYYY-MM-DDTHH:MM:SS[.ffffff][Z]`, the
 * form {@link formatUtc} and {@link formatLocal} write); the `Z` is ignored, so a naive value gives
 * wall-clock microseconds. Throws a plain Error (without the value) when malformed.
 */
export function parseInstant(value: string): number {
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?Z?$/.exec(value);
  if (!m) throw new Error('expected a timestamp as YYYY-MM-DDTHH:MM:SS.ffffff');
  const [, date, h, min, s, frac] = m;
  const micros = Number((frac ?? '').padEnd(6, '0'));
  return (
    parseDate(date!) * US_PER_DAY +
    Number(h) * US_PER_HOUR +
    Number(min) * US_PER_MINUTE +
    Number(s) * US_PER_SECOND +
    micros
  );
}

export function localToUtc(localUs: number): number {
  return localUs - SGT_OFFSET_US;
}

/** 0 = Sunday ... 6 = Saturday. */
export function dayOfWeek(day: number): number {
  return (((day + 4) % 7) + 7) % 7;
}

export function yearOf(day: number): number {
  return Number(formatDate(day).slice(0, 4));
}

/** Today's date in Singapore as a day number. */
export function todayInSingapore(nowMs = Date.now()): number {
  return Math.floor((nowMs + SGT_OFFSET_US / 1000) / MS_PER_DAY);
}

/**
 * Gazetted Singapore public holidays (with Monday in lieu of Sunday holidays). Years not listed
 * fall back to the fixed-date holidays only.
 */
const GAZETTED: Record<number, string[]> = {
  2023: [
    '01-02',
    '01-23',
    '01-24',
    '04-07',
    '04-22',
    '05-01',
    '06-02',
    '06-29',
    '08-09',
    '09-01',
    '11-13',
    '12-25',
  ],
  2024: ['01-01', '02-10', '02-12', '03-29', '04-10', '05-01', '05-22', '06-17', '08-09', '10-31', '12-25'],
  2025: [
    '01-01',
    '01-29',
    '01-30',
    '03-31',
    '04-18',
    '05-01',
    '05-03',
    '05-12',
    '06-07',
    '08-09',
    '10-20',
    '12-25',
  ],
  2026: ['01-01', '02-17', '02-18', '03-21', '04-03', '05-01', '05-27', '06-01', '08-10', '11-09', '12-25'],
};
const FIXED = ['01-01', '05-01', '08-09', '12-25'];
const holidayCache = new Map<number, Set<number>>();

function holidaysOf(year: number): Set<number> {
  let set = holidayCache.get(year);
  if (!set) {
    set = new Set<number>();
    for (const md of GAZETTED[year] ?? FIXED) {
      let day = parseDate(`${year}-${md}`);
      if (!GAZETTED[year] && dayOfWeek(day) === 0) day += 1;
      set.add(day);
    }
    holidayCache.set(year, set);
  }
  return set;
}

export function isPublicHoliday(day: number): boolean {
  return holidaysOf(yearOf(day)).has(day);
}
