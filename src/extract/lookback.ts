/**
 * The lookback window: an incremental run may start `lookback` before its watermark, to catch rows
 * committed late with a cursor value the watermark had already passed. Rows in that window that an
 * earlier run already delivered, unchanged, must not be delivered again: state keeps a digest of
 * (primary key, cursor) for the rows delivered within the last `lookback` of cursor time — bounded
 * by the window, not the table — and those rows are skipped.
 */
import { createHash } from 'node:crypto';
import type { ColumnType, Row } from '../schema/column-types.js';
import { canonicalTimestamp } from '../schema/timestamp-text.js';
import type { StoredValue } from './state.js';

/** Digests of recently delivered rows: [canonical cursor value, digest], in cursor order. */
export type RecentRows = [string, string][];

/** A canonical, sortable text for a cursor value (driver-raw or canonical) of a time type. */
export function cursorText(value: unknown, type: ColumnType): string {
  const s = typeof value === 'bigint' ? value.toString() : String(value);
  if (type.kind === 'timestamp') return canonicalTimestamp(s, 6, type.tz === 'utc');
  return s;
}

/** `cursor - ms` for a date or timestamp cursor, as canonical text. */
export function minusDuration(cursor: string, type: ColumnType, ms: number): string {
  const utc = cursor.endsWith('Z');
  const base = Date.parse(type.kind === 'date' ? `${cursor}T00:00:00Z` : utc ? cursor : `${cursor}Z`);
  const shifted = new Date(base - ms);
  if (type.kind === 'date') return shifted.toISOString().slice(0, 10);
  const micros = cursor.slice(23, 26).padEnd(3, '0');
  const text = `${shifted.toISOString().slice(0, 23)}${micros}`;
  return utc ? `${text}Z` : text;
}

export function rowDigest(keyValues: readonly unknown[]): string {
  return createHash('sha1').update(JSON.stringify(keyValues)).digest('hex').slice(0, 16);
}

/** Compare keyset positions given as canonical values (cursor text first, then primary key values). */
export function comparePositions(
  a: readonly unknown[],
  b: readonly unknown[],
  types: readonly ColumnType[],
): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const t = types[i]!;
    const x = a[i];
    const y = b[i];
    let c: number;
    if (t.kind === 'int64' || t.kind === 'int32') {
      const bx = BigInt(x as string);
      const by = BigInt(y as string);
      c = bx < by ? -1 : bx > by ? 1 : 0;
    } else if (t.kind === 'decimal') {
      c = compareDecimals(String(x), String(y));
    } else {
      const sx = cursorText(x, t);
      const sy = cursorText(y, t);
      c = sx < sy ? -1 : sx > sy ? 1 : 0;
    }
    if (c !== 0) return c;
  }
  return 0;
}

/**
 * Decides, row by row, what a lookback run delivers, and keeps the window's digests up to date as
 * rows stream past in cursor order.
 */
export class LookbackFilter {
  readonly #known: Set<string>;
  #recent: RecentRows;
  /** Rows in the window that an earlier run delivered unchanged: not delivered again. */
  skipped = 0;
  /** Rows in the window behind the previous watermark that no run had delivered: late commits caught. */
  caught = 0;

  constructor(
    private readonly previous: StoredValue[] | undefined,
    recent: RecentRows,
    private readonly keyIndexes: number[],
    private readonly keyTypes: ColumnType[],
    private readonly windowMs: number,
  ) {
    this.#known = new Set(recent.map(([, d]) => d));
    this.#recent = [...recent];
  }

  /** True to deliver the row; false when an earlier run already delivered it unchanged. */
  keep(row: Row): boolean {
    const key = this.keyIndexes.map((i) => row[i]);
    const digest = rowDigest(key.map((v, i) => (i === 0 ? cursorText(v, this.keyTypes[0]!) : v)));
    const behind = this.previous !== undefined && comparePositions(key, this.previous, this.keyTypes) <= 0;
    if (behind && this.#known.has(digest)) {
      this.skipped++;
      return false;
    }
    if (behind) this.caught++;
    const cursor = cursorText(key[0], this.keyTypes[0]!);
    this.#recent.push([cursor, digest]);
    // Rows arrive in cursor order: trim the front now and then so memory stays within the window.
    if (this.#recent.length % 10_000 === 0) this.window(cursor);
    return true;
  }

  /** The digests to keep: rows whose cursor lies within the window before `cursor`. */
  window(cursor: unknown): RecentRows {
    const floor = minusDuration(cursorText(cursor, this.keyTypes[0]!), this.keyTypes[0]!, this.windowMs);
    this.#recent = this.#recent.filter(([c]) => c >= floor);
    return this.#recent;
  }
}

/** Exact numeric order of two decimal strings (an Oracle NUMBER key is a decimal: "10" > "9"). */
export function compareDecimals(a: string, b: string): number {
  const scale = Math.max(fractionDigits(a), fractionDigits(b));
  const scaled = (v: string) => {
    const [whole = '0', frac = ''] = v.replace(/^\+/, '').split('.');
    const negative = whole.startsWith('-');
    const digits = BigInt(`${whole.replace('-', '') || '0'}${frac.padEnd(scale, '0')}`);
    return negative ? -digits : digits;
  };
  const x = scaled(a);
  const y = scaled(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function fractionDigits(v: string): number {
  const dot = v.indexOf('.');
  return dot < 0 ? 0 : v.length - dot - 1;
}
