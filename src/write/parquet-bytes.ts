/**
 * The Parquet builders' byte path: the integers Parquet stores, read straight from a field's text
 * in an encoded batch (the server's bytes, see EncodedRows) instead of from a JavaScript value made
 * from it. Each function handles the usual text and answers false (or NaN) for anything else; the
 * caller then decodes that one value and takes the value path (parquet-values.ts), which gives the
 * same result or the same error. The value path per field — a string per row, a string per field,
 * canonical timestamp text, then parsing it back — was most of a Parquet run's CPU.
 */
import { fieldLength, type EncodedRows } from '../schema/column-types.js';
import { withoutUtcDesignatorBytes } from '../schema/timestamp-text.js';
import { daysFromCivil } from './parquet-values.js';
import { utf8Sequence } from './utf8.js';

const TWO_26 = 67108864;
const TWO_32 = 4294967296;
const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/**
 * Where each field of an encoded batch starts (its length word): row r's field c at
 * [r * columns + c], in `reuse` when it is big enough. One walk over the rows, so that every
 * column's builder reads its fields directly.
 */
export function fieldStarts(encoded: EncodedRows, columns: number, reuse: Int32Array): Int32Array {
  const need = encoded.count * columns;
  const out = reuse.length >= need ? reuse : new Int32Array(Math.max(need, reuse.length * 2));
  const b = encoded.bytes;
  const starts = encoded.starts;
  for (let r = 0, o = 0; r < encoded.count; r++) {
    let p = starts[r]! + 2;
    for (let c = 0; c < columns; c++) {
      out[o++] = p;
      const len = fieldLength(b, p);
      p += 4 + (len > 0 ? len : 0);
    }
  }
  return out;
}

/** Digits b[start, start+len) as a number, or -1 if any is not a digit. */
function digitsAt(b: Uint8Array, start: number, len: number): number {
  let n = 0;
  for (let k = start; k < start + len; k++) {
    const d = b[k]! - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/** Plain integer text of at most 15 digits ("-42"), exact in a double; NaN for anything else. */
export function shortIntegerAt(b: Uint8Array, start: number, end: number): number {
  let k = start;
  const negative = b[k] === 45;
  if (negative || b[k] === 43) k++;
  if (k === end || end - k > 15) return NaN;
  let n = 0;
  for (; k < end; k++) {
    const d = b[k]! - 48;
    if (d < 0 || d > 9) return NaN;
    n = n * 10 + d;
  }
  return negative ? -n : n;
}

/**
 * The unscaled value of short decimal text at scale `scale` ("-123.45" → -12345 at scale 2) when it
 * is exact in a double and fits decimal(precision, scale); NaN otherwise (as shortDecimal in
 * parquet-values.ts, over bytes).
 */
export function shortDecimalAt(
  b: Uint8Array,
  start: number,
  end: number,
  precision: number,
  scale: number,
): number {
  if (end - start > 17 || end === start) return NaN;
  let k = start;
  const c0 = b[k];
  if (c0 === 45 || c0 === 43) k++;
  let n = 0;
  let digits = 0;
  let whole = 0;
  let fraction = -1;
  for (; k < end; k++) {
    const c = b[k]!;
    if (c === 46) {
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

/** The last date read and its day count: consecutive rows mostly share their date. */
let lastDate = -1;
let lastDays = 0;

/** Days since 1970-01-01 of "YYYY-MM-DD" at b[start], or NaN (as civilDays, over bytes). */
export function civilDaysAt(b: Uint8Array, start: number): number {
  const y = digitsAt(b, start, 4);
  const mo = two(b, start + 5);
  const d = two(b, start + 8);
  if (b[start + 4] !== 45 || b[start + 7] !== 45 || y < 1 || mo < 1 || mo > 12 || d < 1) return NaN;
  const key = y * 10000 + mo * 100 + d;
  // The calendar arithmetic and its checks were a tenth of a Parquet run's CPU, for the same few dates.
  if (key === lastDate) return lastDays;
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  if (d > DAYS_IN_MONTH[mo - 1]! || (mo === 2 && d === 29 && !leap)) return NaN;
  lastDate = key;
  lastDays = daysFromCivil(y, mo, d);
  return lastDays;
}

/** Two digits at b[k] as a number, or -1. */
function two(b: Uint8Array, k: number): number {
  const hi = b[k]! - 48;
  const lo = b[k + 1]! - 48;
  return hi >= 0 && hi <= 9 && lo >= 0 && lo <= 9 ? hi * 10 + lo : -1;
}

/**
 * A timestamp's server text b[start, end) — "YYYY-MM-DD HH:MM:SS[.f…]" (or "T"), with or without a
 * UTC designator, the shapes canonicalTimestampInto rewrites — as microseconds since 1970-01-01 into
 * words[2i..2i+1]: the value the canonical text gives, without writing it. False (nothing written)
 * for any other text and for more than six fraction digits; the value path then gives the value or
 * the error.
 */
export function putTimestampMicrosAt(
  words: Int32Array,
  i: number,
  b: Uint8Array,
  start: number,
  end: number,
): boolean {
  // "…+00", PostgreSQL's timestamptz in a UTC session, is stripped here: no longer designator
  // (±00:00, ±0000) can end that way. Any other ending is withoutUtcDesignatorBytes's.
  const s2 = b[end - 3];
  const length =
    (s2 === 43 || s2 === 45) && b[end - 2] === 48 && b[end - 1] === 48
      ? end - 3 - start
      : withoutUtcDesignatorBytes(b, start, end);
  if (length < 19 || length === 20 || length > 26) return false;
  const days = civilDaysAt(b, start);
  const h = two(b, start + 11);
  const mi = two(b, start + 14);
  const sec = two(b, start + 17);
  const sep = b[start + 10];
  if (days !== days || (sep !== 84 && sep !== 32) || b[start + 13] !== 58 || b[start + 16] !== 58)
    return false;
  if (h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59) return false;
  let frac = 0;
  if (length > 19) {
    if (b[start + 19] !== 46) return false;
    const digits = length - 20;
    frac = digitsAt(b, start + 20, digits);
    if (frac < 0) return false;
    frac *= POW10[6 - digits]!;
  }
  const seconds = days * 86400 + h * 3600 + mi * 60 + sec;
  if (seconds > -9e9 && seconds < 9e9) {
    // Within ~285 years of 1970 the microseconds are below 2⁵³: one exact product.
    const t = seconds * 1e6 + frac;
    const hi = Math.floor(t / TWO_32);
    words[2 * i] = (t - hi * TWO_32) | 0;
    words[2 * i + 1] = hi;
    return true;
  }
  // days·86,400,000,000 + micros = (days·1,350,000,000)·64 + micros, with days·1.35e9 < 2⁵³.
  const micros = (h * 3600 + mi * 60 + sec) * 1e6 + frac;
  const a = days * 1_350_000_000;
  let hi = Math.floor(a / TWO_26);
  let lo = (a - hi * TWO_26) * 64 + micros;
  const carry = Math.floor(lo / TWO_32);
  hi += carry;
  lo -= carry * TWO_32;
  words[2 * i] = lo | 0;
  words[2 * i + 1] = hi;
  return true;
}

/**
 * The length of the valid UTF-8 text at b[start, end) copied to `dst[at]`, or -1 when it is not
 * valid UTF-8 (a decoder would replace bytes: the value path does). ASCII is copied as it is checked.
 */
export function copyUtf8(b: Uint8Array, start: number, end: number, dst: Uint8Array, at: number): number {
  let o = at;
  let k = start;
  while (k < end) {
    const c = b[k]!;
    if (c < 128) {
      dst[o++] = c;
      k++;
      continue;
    }
    const n = utf8Sequence(b, k, end);
    if (n === 0) return -1;
    for (let j = 0; j < n; j++) dst[o++] = b[k + j]!;
    k += n;
  }
  return o - at;
}
