/**
 * Even boundaries between the lowest and highest value of a key column, in the column's canonical
 * text (schema/column-types.ts): the values that cut [min, max] into `ranges` ranges of equal width.
 * Exact arithmetic on every kind (BigInt on integers, scaled decimals and microseconds), never a
 * double for a key that is not one: a boundary must be a value the database parses back exactly.
 *
 * Boundaries are rounded down to what the column can hold (whole units, the decimal's scale, the
 * timestamp's precision) and deduplicated, so a narrow key space gives fewer ranges, never an empty
 * or inverted one. A boundary only has to be the same value in the two predicates it appears in
 * (`k < b` of one range, `k >= b` of the next): where it falls decides balance, not correctness.
 */
import type { CellValue, ColumnType } from '../schema/column-types.js';

/** The kinds a source can be split on: ordered, with a midpoint. */
export const SPLITTABLE_KINDS: ReadonlySet<ColumnType['kind']> = new Set([
  'int32',
  'int64',
  'decimal',
  'float64',
  'date',
  'timestamp',
]);

/** A kind's values as points on a line (exact integers, or doubles for float64) and back. */
interface Scale<T> {
  toPoint(value: CellValue): T | undefined;
  fromPoint(point: T): string;
  /** lo + (hi - lo) × i / n, on the column's unit. */
  between(lo: T, hi: T, i: number, n: number): T;
}

const bigScale = (
  toPoint: (v: CellValue) => bigint | undefined,
  fromPoint: (p: bigint) => string,
  unit = 1n,
): Scale<bigint> => ({
  toPoint,
  fromPoint,
  between: (lo, hi, i, n) => {
    // Rounded up, so that two distinct keys still make two ranges (a composite key whose first
    // column has few values); then down to the unit, which may meet the previous boundary.
    const p = lo + ((hi - lo) * BigInt(i) + BigInt(n - 1)) / BigInt(n);
    // Floor to the unit (BigInt division truncates towards zero, so negative points need care).
    const r = ((p % unit) + unit) % unit;
    return p - r;
  },
});

/**
 * `ranges - 1` increasing boundaries strictly above `min` and at most `max` (fewer when the key
 * space is narrow; none when the column is not splittable, a value is NULL or unreadable, or
 * min = max).
 */
export function evenBounds(min: CellValue, max: CellValue, ranges: number, type: ColumnType): string[] {
  const scale = scaleOf(type);
  if (!scale || ranges < 2) return [];
  return bounds<bigint | number>(scale, min, max, ranges);
}

function bounds<T extends bigint | number>(
  scale: Scale<T>,
  min: CellValue,
  max: CellValue,
  ranges: number,
  distinct = true,
): string[] {
  const lo = scale.toPoint(min);
  const hi = scale.toPoint(max);
  if (lo === undefined || hi === undefined || !(lo <= hi) || (distinct && lo === hi)) return [];
  const out: string[] = [];
  let previous = lo;
  for (let i = 1; i < ranges; i++) {
    const p = scale.between(lo, hi, i, ranges);
    if (p > previous && p <= hi) {
      out.push(scale.fromPoint(p));
      previous = p;
    } else if (!distinct) out.push(scale.fromPoint(previous < hi ? previous : hi));
  }
  return out;
}

/**
 * Exactly `shards - 1` non-decreasing boundaries for shards (each shard must have a range, even an
 * empty one: a boundary equal to the one before it). [] when the key cannot be cut (not a number,
 * date or timestamp; NULL or unreadable values).
 */
export function shardBounds(min: CellValue, max: CellValue, shards: number, type: ColumnType): string[] {
  const scale = scaleOf(type);
  if (!scale || shards < 2) return [];
  return bounds<bigint | number>(scale, min, max, shards, false);
}

function scaleOf(type: ColumnType): Scale<bigint> | Scale<number> | undefined {
  switch (type.kind) {
    case 'int32':
    case 'int64':
      return bigScale(integerPoint, (p) => p.toString());
    case 'decimal':
      return bigScale(
        (v) => decimalPoint(v, type.scale),
        (p) => decimalText(p, type.scale),
      );
    case 'date':
      return bigScale(datePoint, dateText);
    case 'timestamp':
      return bigScale(
        timestampPoint,
        (p) => timestampText(p, type.precision, type.tz === 'utc'),
        10n ** BigInt(6 - Math.min(6, Math.max(0, type.precision))),
      );
    case 'float64':
      return floatScale;
    default:
      return undefined;
  }
}

const floatScale: Scale<number> = {
  toPoint: (v) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined),
  fromPoint: (p) => String(p),
  between: (lo, hi, i, n) => lo + ((hi - lo) * i) / n,
};

function integerPoint(v: CellValue): bigint | undefined {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
  return typeof v === 'string' && /^-?\d+$/.test(v) ? BigInt(v) : undefined;
}

/** "123.45" at scale 3 → 123450n. */
function decimalPoint(v: CellValue, scale: number): bigint | undefined {
  const m = typeof v === 'string' || typeof v === 'number' ? /^(-?)(\d*)(?:\.(\d*))?$/.exec(String(v)) : null;
  if (!m || (m[2] === '' && !m[3])) return undefined;
  const fraction = (m[3] ?? '').padEnd(scale, '0');
  // Digits beyond the column's scale cannot occur in a value of the column; cut them if they do.
  const digits = BigInt(`${m[2] || '0'}${fraction.slice(0, scale)}`);
  return m[1] ? -digits : digits;
}

function decimalText(p: bigint, scale: number): string {
  const negative = p < 0n;
  const digits = (negative ? -p : p).toString().padStart(scale + 1, '0');
  const whole = digits.slice(0, digits.length - scale);
  const text = scale > 0 ? `${whole}.${digits.slice(digits.length - scale)}` : whole;
  return negative ? `-${text}` : text;
}

const DAY_MS = 86_400_000;

/** Days since 1970-01-01. */
function datePoint(v: CellValue): bigint | undefined {
  const m = typeof v === 'string' ? /^(\d{4})-(\d{2})-(\d{2})/.exec(v) : null;
  // Date.UTC reads years 0–99 as 1900–1999: such keys are not split.
  if (!m || Number(m[1]) < 100) return undefined;
  return BigInt(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / DAY_MS);
}

function dateText(p: bigint): string {
  return new Date(Number(p) * DAY_MS).toISOString().slice(0, 10);
}

/** Microseconds since 1970-01-01T00:00:00 (of the wall clock for naive timestamps). */
function timestampPoint(v: CellValue): bigint | undefined {
  const m =
    typeof v === 'string'
      ? /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?Z?$/.exec(v)
      : null;
  if (!m || Number(m[1]) < 100) return undefined;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  return BigInt(ms) * 1000n + BigInt((m[7] ?? '').padEnd(6, '0'));
}

function timestampText(p: bigint, precision: number, utc: boolean): string {
  const ms = p / 1000n - (p % 1000n < 0n ? 1n : 0n);
  const micros = p - ms * 1000n;
  const iso = new Date(Number(ms)).toISOString();
  const digits = Math.min(6, Math.max(0, precision));
  const fraction = `${iso.slice(20, 23)}${micros.toString().padStart(3, '0')}`.slice(0, digits);
  return `${iso.slice(0, 19)}${digits > 0 ? `.${fraction}` : ''}${utc ? 'Z' : ''}`;
}
