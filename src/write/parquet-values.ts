/**
 * Canonical text values (column-types.ts) to the fixed-width integers Parquet stores, exactly and
 * without the process time zone: int64 and decimal strings are never parsed through a double unless
 * they have at most 15 digits (every such integer is exact in a double); dates and timestamps are
 * counted from 1970-01-01 with integer civil-calendar arithmetic, never with Date.
 *
 * 64-bit results are written as two 32-bit halves (low word first: Arrow buffers are little-endian)
 * so that the common case needs no BigInt at all. A value that cannot be stored exactly throws a
 * ValueError; the writer adds the column name.
 */

export class ValueError extends Error {
  override name = 'ValueError';
}

/**
 * What a rejected value looks like, without the value: error messages reach consoles, logs, run
 * records and state files, and a cell can hold an NRIC. "text of 9 characters (letters and digits)".
 */
export function shape(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v !== 'string') return typeof v === 'object' ? 'binary value' : `${typeof v}`;
  const kinds = [
    /[0-9]/.test(v) && 'digits',
    /[A-Za-z]/.test(v) && 'letters',
    /[^0-9A-Za-z]/.test(v) && 'other characters',
  ].filter(Boolean);
  return `text of ${v.length} character${v.length === 1 ? '' : 's'}${kinds.length ? ` (${kinds.join(', ')})` : ''}`;
}

const TWO_32 = 4294967296;
const TWO_26 = 67108864;
const INT_TEXT = /^[-+]?\d+$/;
const DECIMAL_TEXT = /^([-+]?)(\d*)(?:\.(\d*))?$/;

/**
 * Writes the 64-bit integer hi·2³² + lo (0 ≤ lo < 2³²) into words[2i], words[2i+1]: Arrow buffers are
 * little-endian, as is every platform Node runs on.
 */
function put64(words: Int32Array, i: number, hi: number, lo: number): void {
  words[2 * i] = lo | 0;
  words[2 * i + 1] = hi;
}

/** A safe integer (|n| < 2⁵³) as a little-endian int64 in words[2i..2i+1]. */
export function putSafeInt64(words: Int32Array, i: number, n: number): void {
  const hi = Math.floor(n / TWO_32);
  put64(words, i, hi, n - hi * TWO_32);
}

/**
 * Plain integer text ("-123", "+7", "0042") of at most 15 digits as a number (exact: < 2⁵³), or NaN
 * when the text is longer or not a plain integer.
 */
function shortInteger(s: string): number {
  let i = 0;
  const c0 = s.charCodeAt(0);
  if (c0 === 45 /* - */ || c0 === 43 /* + */) i = 1;
  if (i === s.length || s.length - i > 15) return NaN;
  let n = 0;
  for (; i < s.length; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return NaN;
    n = n * 10 + d;
  }
  return c0 === 45 ? -n : n;
}

/** An int64 as canonical decimal text ("-9223372036854775808") or a safe integer number. */
export function putInt64(words: Int32Array, big: BigInt64Array, i: number, v: string | number): void {
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw new ValueError('a number that is not an exact integer');
    putSafeInt64(words, i, v);
    return;
  }
  const n = shortInteger(v);
  if (n === n) {
    putSafeInt64(words, i, n);
    return;
  }
  if (!INT_TEXT.test(v)) throw new ValueError(`${shape(v)} is not an integer`);
  const b = BigInt(v);
  if (b !== BigInt.asIntN(64, b)) throw new ValueError('an integer outside the int64 range');
  big[i] = b;
}

/**
 * A decimal value as a 128-bit two's complement integer scaled by 10^scale, in words[4i..4i+3].
 * Fraction digits beyond `scale` are accepted only when they are zeros (never rounded); the integer
 * part must fit in precision − scale digits.
 */
export function putDecimal128(
  words: Int32Array,
  big: BigInt64Array,
  i: number,
  v: string | number,
  precision: number,
  scale: number,
): void {
  const text = typeof v === 'number' ? numberText(v) : v;
  const fast = shortDecimal(text, precision, scale);
  if (fast === fast) {
    const hi = Math.floor(fast / TWO_32);
    words[4 * i] = (fast - hi * TWO_32) | 0;
    words[4 * i + 1] = hi;
    words[4 * i + 2] = words[4 * i + 3] = fast < 0 ? -1 : 0;
    return;
  }
  const m = DECIMAL_TEXT.exec(text);
  if (!m || (m[2] === '' && (m[3] ?? '') === ''))
    throw new ValueError(`${shape(text)} is not a decimal number`);
  const negative = m[1] === '-';
  const whole = m[2]!.replace(/^0+/, '');
  let fraction = m[3] ?? '';
  if (fraction.length > scale) {
    if (!/^0*$/.test(fraction.slice(scale)))
      throw new ValueError(
        `a number with more than ${scale} fraction digits (decimal(${precision},${scale}))`,
      );
    fraction = fraction.slice(0, scale);
  }
  if (whole.length > precision - scale)
    throw new ValueError(`a number too large for decimal(${precision},${scale})`);
  const digits = whole + fraction.padEnd(scale, '0');
  if (digits.length <= 15) {
    const n = digits === '' ? 0 : negative ? -Number(digits) : Number(digits);
    const hi = Math.floor(n / TWO_32);
    words[4 * i] = (n - hi * TWO_32) | 0;
    words[4 * i + 1] = hi;
    words[4 * i + 2] = words[4 * i + 3] = n < 0 ? -1 : 0;
    return;
  }
  const b = negative ? -BigInt(digits) : BigInt(digits);
  big[2 * i] = BigInt.asIntN(64, b);
  big[2 * i + 1] = BigInt.asIntN(64, b >> 64n);
}

const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/**
 * The unscaled value of short decimal text ("-123.45" at scale 2 → -12345) when it is exact in a
 * double (at most 15 digits after scaling) and fits; NaN sends the caller to the exact slow path,
 * which also produces the error messages.
 */
function shortDecimal(s: string, precision: number, scale: number): number {
  if (s.length > 17) return NaN;
  let i = 0;
  const c0 = s.charCodeAt(0);
  if (c0 === 45 || c0 === 43) i = 1;
  let n = 0;
  let digits = 0;
  let whole = 0;
  let fraction = -1;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 46 /* . */) {
      if (fraction >= 0) return NaN;
      fraction = 0;
      continue;
    }
    const d = c - 48;
    if (d < 0 || d > 9) return NaN;
    n = n * 10 + d;
    digits++;
    if (fraction >= 0) fraction++;
    else if (n > 0) whole++;
  }
  if (fraction < 0) fraction = 0;
  if (digits === 0 || fraction > scale || whole > precision - scale || digits + scale - fraction > 15)
    return NaN;
  n *= POW10[scale - fraction]!;
  return c0 === 45 ? -n : n;
}

/** A JS number as plain decimal text (no exponent), for decimal columns fed numbers. */
function numberText(n: number): string {
  if (!Number.isFinite(n)) throw new ValueError('a non-finite number is not a decimal number');
  const s = String(n);
  if (!/e/i.test(s)) return s;
  // Exponent form: exact digits via toFixed/BigInt only for integers; fractions this small are rejected.
  if (Number.isInteger(n)) return BigInt(n).toString();
  throw new ValueError('a number that cannot be written as an exact decimal');
}

/** Digits at s[start, start+len) as a number, or -1 if any is not a digit. */
function digitsAt(s: string, start: number, len: number): number {
  let n = 0;
  for (let k = start; k < start + len; k++) {
    const d = s.charCodeAt(k) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Days from 1970-01-01 of the proleptic Gregorian date y-m-d (H. Hinnant's days_from_civil). */
export function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Days since 1970-01-01 of the calendar date "YYYY-MM-DD" at the start of s, or NaN. */
export function civilDays(s: string): number {
  const y = digitsAt(s, 0, 4);
  const mo = digitsAt(s, 5, 2);
  const d = digitsAt(s, 8, 2);
  if (s.length < 10 || s[4] !== '-' || s[7] !== '-' || y < 1 || mo < 1 || mo > 12 || d < 1) return NaN;
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  if (d > DAYS_IN_MONTH[mo - 1]! || (mo === 2 && d === 29 && !leap)) return NaN;
  return daysFromCivil(y, mo, d);
}

/** "YYYY-MM-DD" as days since 1970-01-01. */
export function parseDate(s: string): number {
  const days = s.length === 10 ? civilDays(s) : NaN;
  if (days !== days) throw new ValueError(`${shape(s)} is not a YYYY-MM-DD calendar date`);
  return days;
}

/**
 * Microseconds since midnight of the "THH:MM:SS[.f…]" (or " HH…") that follows the date in
 * s[0, end), or NaN. Fraction digits after the sixth are ignored here (see putTimestampMicros).
 */
export function wallMicros(s: string, end: number): number {
  const h = digitsAt(s, 11, 2);
  const mi = digitsAt(s, 14, 2);
  const sec = digitsAt(s, 17, 2);
  if (end < 19 || (s[10] !== 'T' && s[10] !== ' ') || s[13] !== ':' || s[16] !== ':') return NaN;
  if (h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59) return NaN;
  let frac = 0;
  if (end > 19) {
    const digits = end - 20;
    if (s[19] !== '.' || digits < 1 || digitsAt(s, 20, digits) < 0) return NaN;
    frac = digitsAt(s, 20, Math.min(digits, 6));
    for (let k = digits; k < 6; k++) frac *= 10;
  }
  return (h * 3600 + mi * 60 + sec) * 1e6 + frac;
}

/**
 * "YYYY-MM-DDTHH:MM:SS[.f…]" plus "Z" when `utc` as microseconds since 1970-01-01T00:00:00 (of UTC
 * for `utc`, of the same wall clock for naive), into words[2i..2i+1]. Digits after the sixth
 * fraction digit must be zeros: Parquet TIMESTAMP(MICROS) would otherwise truncate them.
 */
export function putTimestampMicros(words: Int32Array, i: number, s: string, utc: boolean): void {
  const end = utc ? s.length - 1 : s.length;
  if (utc !== (s.charCodeAt(s.length - 1) === 90) /* Z */)
    throw new ValueError(`${shape(s)} is not a ${utc ? 'UTC ("…Z")' : 'naive'} timestamp`);
  const days = civilDays(s);
  const micros = wallMicros(s, end);
  if (days !== days || micros !== micros)
    throw new ValueError(`${shape(s)} is not a YYYY-MM-DDTHH:MM:SS[.ffffff] timestamp`);
  if (end > 26 && digitsAt(s, 26, end - 26) !== 0)
    throw new ValueError(
      'a timestamp finer than microseconds: Parquet stores microseconds and the fraction would be truncated',
    );
  // days·86,400,000,000 + micros = (days·1,350,000,000)·64 + micros, with days·1.35e9 < 2⁵³.
  const a = days * 1_350_000_000;
  let hi = Math.floor(a / TWO_26);
  let lo = (a - hi * TWO_26) * 64 + micros;
  const carry = Math.floor(lo / TWO_32);
  hi += carry;
  lo -= carry * TWO_32;
  put64(words, i, hi, lo);
}
