/**
 * Canonical timestamp text: "YYYY-MM-DDTHH:MM:SS" plus exactly `precision` fraction digits, plus
 * "Z" for UTC. Drivers print fractions differently (PostgreSQL drops trailing zeros, MySQL pads to
 * the column's precision), so every dialect passes its text through here and files from different
 * databases agree byte for byte.
 *
 * This runs for every timestamp of every row, so the usual shape ("YYYY-MM-DD HH:MM:SS[.f…][zone]")
 * is rewritten in a scratch buffer and decoded once into a flat string: slicing and concatenating
 * made ~8 short-lived strings per value (measured: the largest single cost of a PostgreSQL batch,
 * mostly in the garbage collector). Anything else (years past 9999, BC, infinity, other zones) takes
 * the general path, and the fast path gives exactly what the general one would.
 */
export function canonicalTimestamp(text: string, precision: number, utc: boolean): string {
  return usualShape(text, precision, utc) ?? anyShape(text, precision, utc);
}

const scratch = Buffer.allocUnsafe(64);
const MAX_TEXT = 40;
const MAX_PRECISION = 12;

const CH = { T: 84, Z: 90, dot: 46, zero: 48, nine: 57, dash: 45, plus: 43, colon: 58, space: 32 } as const;

const isDigit = (c: number): boolean => c >= CH.zero && c <= CH.nine;

/** Where the text ends without a UTC designator (Z, ±00, ±0000, ±00:00), as the general path strips it. */
function withoutUtcDesignator(s: string): number {
  const n = s.length;
  if (s.charCodeAt(n - 1) === CH.Z) return n - 1;
  // The general path's regex takes the longest designator that reaches the end: ±00:00, then ±0000, then ±00.
  if (isSignZeroZero(s, n - 6) && s.charCodeAt(n - 3) === CH.colon && isZeroZero(s, n - 2)) return n - 6;
  if (isSignZeroZero(s, n - 5) && isZeroZero(s, n - 2)) return n - 5;
  if (isSignZeroZero(s, n - 3)) return n - 3;
  return n;
}

function isSignZeroZero(s: string, at: number): boolean {
  if (at < 0) return false;
  const sign = s.charCodeAt(at);
  return (sign === CH.plus || sign === CH.dash) && isZeroZero(s, at + 1);
}

function isZeroZero(s: string, at: number): boolean {
  return s.charCodeAt(at) === CH.zero && s.charCodeAt(at + 1) === CH.zero;
}

/** What each of the first 19 characters must be: "YYYY-MM-DD[ T]HH:MM:SS". */
const enum Slot {
  Digit,
  Dash,
  DateTimeSeparator,
  Colon,
}
const SLOTS = [0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 2, 0, 0, 3, 0, 0, 3, 0, 0] as const satisfies readonly Slot[];

function fits(c: number, slot: Slot): boolean {
  switch (slot) {
    case Slot.Digit:
      return isDigit(c);
    case Slot.Dash:
      return c === CH.dash;
    case Slot.DateTimeSeparator:
      return c === CH.space || c === CH.T;
    default:
      return c === CH.colon;
  }
}

/** The fast path, checking and copying in one pass; undefined when `text` is not the usual shape. */
function usualShape(text: string, precision: number, utc: boolean): string | undefined {
  if (text.length < 19 || text.length > MAX_TEXT || !(precision >= 0 && precision <= MAX_PRECISION)) {
    return undefined;
  }
  const end = withoutUtcDesignator(text);
  if (end < 19 || end === 20) return undefined;
  for (let i = 0; i < 19; i++) {
    const c = text.charCodeAt(i);
    if (!fits(c, SLOTS[i]!)) return undefined;
    scratch[i] = c;
  }
  scratch[10] = CH.T;
  let n = 19;
  if (end > 19) {
    if (text.charCodeAt(19) !== CH.dot) return undefined;
    scratch[n++] = CH.dot;
    for (let i = 20; i < end; i++) {
      const c = text.charCodeAt(i);
      if (!isDigit(c)) return undefined;
      scratch[n++] = c;
    }
  }
  const digits = end > 19 ? end - 20 : 0;
  if (precision > digits) {
    if (digits === 0) scratch[n++] = CH.dot;
    const want = 20 + precision;
    while (n < want) scratch[n++] = CH.zero;
  }
  if (utc) scratch[n++] = CH.Z;
  return scratch.toString('latin1', 0, n);
}

/** The general path: any text the drivers print, by string operations. */
function anyShape(text: string, precision: number, utc: boolean): string {
  let s = text.length > 10 && text[10] === ' ' ? `${text.slice(0, 10)}T${text.slice(11)}` : text;
  // Strip a UTC designator in any of the forms drivers print: Z, +00, +00:00, +0000.
  s = s.replace(/(?:Z|[+-]00(?::?00)?)$/, '');
  const dot = s.indexOf('.', 19);
  const whole = dot < 0 ? s : s.slice(0, dot);
  const fraction = dot < 0 ? '' : s.slice(dot + 1);
  const digits =
    precision > 0
      ? `.${fraction.padEnd(precision, '0').slice(0, Math.max(precision, fraction.length))}`
      : fraction
        ? `.${fraction}`
        : '';
  return `${whole}${digits}${utc ? 'Z' : ''}`;
}

/** The two paths alone, for tests that compare them. */
export const canonicalTimestampFast = usualShape;
export const canonicalTimestampGeneral = anyShape;

/**
 * The fast path over bytes: the canonical text of the timestamp whose server text is
 * `src[start, end)`, written at `dst[at]`; returns the position after it, or -1 when the text is
 * not the usual shape (then decode it and use canonicalTimestamp). Same result as the string path
 * (test/unit/schema/timestamp-text.test.ts); `dst` needs room for `end - start + 14` bytes.
 */
export function canonicalTimestampInto(
  src: Uint8Array,
  start: number,
  end: number,
  precision: number,
  utc: boolean,
  dst: Uint8Array,
  at: number,
): number {
  const length = end - start;
  if (length < 19 || length > MAX_TEXT || !(precision >= 0 && precision <= MAX_PRECISION)) return -1;
  const stop = start + withoutUtcDesignatorBytes(src, start, end);
  if (stop - start < 19 || stop - start === 20) return -1;
  // "YYYY-MM-DD[ T]HH:MM:SS", checked unrolled: a loop over a table of slot kinds cost ~40 % more
  // (70 → 50 ns a timestamp in isolation), and three timestamps a row made it a fifth of a CSV run.
  const s = start;
  const sep = src[s + 10];
  if (
    notDigit(src[s]!) ||
    notDigit(src[s + 1]!) ||
    notDigit(src[s + 2]!) ||
    notDigit(src[s + 3]!) ||
    src[s + 4] !== CH.dash ||
    notDigit(src[s + 5]!) ||
    notDigit(src[s + 6]!) ||
    src[s + 7] !== CH.dash ||
    notDigit(src[s + 8]!) ||
    notDigit(src[s + 9]!) ||
    (sep !== CH.space && sep !== CH.T) ||
    notDigit(src[s + 11]!) ||
    notDigit(src[s + 12]!) ||
    src[s + 13] !== CH.colon ||
    notDigit(src[s + 14]!) ||
    notDigit(src[s + 15]!) ||
    src[s + 16] !== CH.colon ||
    notDigit(src[s + 17]!) ||
    notDigit(src[s + 18]!)
  )
    return -1;
  for (let i = 0; i < 19; i++) dst[at + i] = src[s + i]!;
  dst[at + 10] = CH.T;
  let n = at + 19;
  if (stop - start > 19) {
    if (src[s + 19] !== CH.dot) return -1;
    dst[n++] = CH.dot;
    for (let i = s + 20; i < stop; i++) {
      const c = src[i]!;
      if (notDigit(c)) return -1;
      dst[n++] = c;
    }
  }
  const digits = stop - start > 19 ? stop - start - 20 : 0;
  if (precision > digits) {
    if (digits === 0) dst[n++] = CH.dot;
    const want = at + 20 + precision;
    while (n < want) dst[n++] = CH.zero;
  }
  if (utc) dst[n++] = CH.Z;
  return n;
}

/** For a byte: '0'…'9' are exactly the bytes whose XOR with 0x30 is below 10. */
const notDigit = (c: number): boolean => (c ^ CH.zero) > 9;

/** withoutUtcDesignator over bytes: the length of `src[start, end)` without its UTC designator. */
export function withoutUtcDesignatorBytes(src: Uint8Array, start: number, end: number): number {
  const n = end - start;
  if (src[end - 1] === CH.Z) return n - 1;
  if (signZeroZeroAt(src, start, end - 6) && src[end - 3] === CH.colon && zeroZeroAt(src, end - 2))
    return n - 6;
  if (signZeroZeroAt(src, start, end - 5) && zeroZeroAt(src, end - 2)) return n - 5;
  if (signZeroZeroAt(src, start, end - 3)) return n - 3;
  return n;
}

function signZeroZeroAt(src: Uint8Array, start: number, at: number): boolean {
  if (at < start) return false;
  const sign = src[at];
  return (sign === CH.plus || sign === CH.dash) && zeroZeroAt(src, at + 1);
}

function zeroZeroAt(src: Uint8Array, at: number): boolean {
  return src[at] === CH.zero && src[at + 1] === CH.zero;
}
