/**
 * Watermark values as people type them (`moh-etl state set --watermark …`), and a stored watermark
 * held against its source.
 *
 * A typed value is parsed against its column's canonical type (schema/column-types.ts) and refused
 * when it is malformed or impossible ("garbage" or 2025-02-30 for a timestamp, 1.5 for an integer):
 * a hand-edited watermark that no row can compare with yields an empty increment, silently. An
 * accepted value is written in the canonical form at the column's precision, then in the form the
 * driver binds (`Dialect.formatBinding`), so it compares exactly as a position a run stored would.
 *
 * Against the source: `watermarkAhead` notices a watermark beyond the newest cursor value (a
 * restored database makes every later increment empty), and `windowDigests` rebuilds the lookback
 * window's digests behind a position that was set by hand, so the next run delivers exactly the rows
 * after it (lookback.ts: without them, every row in the window would be delivered again).
 */
import type { SourceConnection } from '../db/connection.js';
import type { Dialect } from '../db/dialect.js';
import { describeType, type ColumnKind, type ColumnType } from '../schema/column-types.js';
import { canonicalTimestamp } from '../schema/timestamp-text.js';
import { readBatches } from './batches.js';
import { afterPosition, batchQuery } from './keyset.js';
import { cursorText, LookbackFilter, minusDuration, type RecentRows } from './lookback.js';
import type { SourcePlan } from './plan.js';
import { toStoredValues, type StoredValue, type Watermark } from './state.js';

/** A typed value read against its column type: the canonical text, or what was expected instead. */
export type ParsedValue = { ok: true; value: string | number | boolean } | { ok: false; expected: string };

/** How one kind of column reads a typed value. */
interface ValueParser {
  /** What a value must look like, for the error message. */
  expected(type: ColumnType): string;
  /** The canonical value, or undefined when the text is not one. */
  parse(text: string, type: ColumnType): string | number | boolean | undefined;
}

const INT = /^[+-]?\d+$/;
const DECIMAL = /^([+-]?)(\d+)(?:\.(\d+))?$/;
const FLOAT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
/** YYYY-MM-DD, T or a space, HH:MM[:SS[.f…]], then Z or an offset (±HH, ±HHMM, ±HH:MM) or nothing. */
const TIMESTAMP =
  /^(\d{4}-\d{2}-\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,12}))?)?(Z|([+-])(\d{2})(?::?(\d{2}))?)?$/;

const integer = (bits: 32 | 64): ValueParser => {
  const max = (1n << BigInt(bits - 1)) - 1n;
  return {
    expected: () => `an integer between ${-max - 1n} and ${max}`,
    parse(text) {
      if (!INT.test(text)) return undefined;
      const n = BigInt(text);
      if (n > max || n < -max - 1n) return undefined;
      return n.toString();
    },
  };
};

const decimal: ValueParser = {
  expected: (type) => {
    const { precision: p, scale: s } = type as Extract<ColumnType, { kind: 'decimal' }>;
    return `a decimal number with at most ${p - s} digits before the point and ${s} after it, like 12.5`;
  },
  parse(text, type) {
    const { precision, scale } = type as Extract<ColumnType, { kind: 'decimal' }>;
    const m = DECIMAL.exec(text);
    if (!m) return undefined;
    const whole = m[2]!.replace(/^0+(?=\d)/, '');
    const fraction = m[3] ?? '';
    // Digits the column cannot hold make a position no stored value can equal: refused, not rounded.
    if (fraction.replace(/0+$/, '').length > scale || (whole === '0' ? 0 : whole.length) > precision - scale)
      return undefined;
    const digits = `${whole}${scale > 0 ? `.${fraction.padEnd(scale, '0').slice(0, scale)}` : ''}`;
    return /[1-9]/.test(digits) && m[1] === '-' ? `-${digits}` : digits;
  },
};

const float: ValueParser = {
  expected: () => 'a number, like 12.5',
  parse: (text) => (FLOAT.test(text) && Number.isFinite(Number(text)) ? Number(text) : undefined),
};

const boolean: ValueParser = {
  expected: () => 'true or false',
  parse: (text) => (text === 'true' ? true : text === 'false' ? false : undefined),
};

const anyText: ValueParser = { expected: () => 'any text', parse: (text) => text };

const notAPosition: ValueParser = {
  expected: (type) => `nothing: a ${type.kind} column cannot be a keyset column`,
  parse: () => undefined,
};

const date: ValueParser = {
  expected: () => 'a date YYYY-MM-DD that exists, like 2025-03-01',
  parse: (text) => (DATE.test(text) && realDay(text) ? text : undefined),
};

const timestamp: ValueParser = {
  expected(type) {
    const t = type as Extract<ColumnType, { kind: 'timestamp' }>;
    const fraction = t.precision > 0 ? `[.${'f'.repeat(t.precision)}]` : '';
    return t.tz === 'utc'
      ? `a UTC timestamp YYYY-MM-DDTHH:MM:SS${fraction}Z (or with an offset such as +08:00), like 2025-03-01T08:00:00Z`
      : `a timestamp YYYY-MM-DDTHH:MM:SS${fraction} without Z or an offset (the column holds wall-clock times), like 2025-03-01T08:00:00`;
  },
  parse(text, type) {
    const t = type as Extract<ColumnType, { kind: 'timestamp' }>;
    const m = TIMESTAMP.exec(text);
    if (!m) return undefined;
    const [, day, hh, mi, ss = '00', fraction = '', zone, sign, oh, om = '00'] = m;
    if (!realDay(day!) || Number(hh) > 23 || Number(mi) > 59 || Number(ss) > 59) return undefined;
    // More precision than the column has: no stored value can equal it, so it is no position.
    if (fraction.replace(/0+$/, '').length > t.precision) return undefined;
    // A zone on a wall-clock column, or none on a UTC column, leaves the instant ambiguous.
    if ((zone !== undefined) !== (t.tz === 'utc')) return undefined;
    if (Number(oh ?? 0) > 14 || Number(om) > 59) return undefined;
    const offsetMinutes = sign ? (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om)) : 0;
    const whole = shiftMinutes(`${day!}T${hh!}:${mi!}:${ss}`, -offsetMinutes);
    if (whole === undefined) return undefined;
    const digits = fraction.slice(0, t.precision);
    return canonicalTimestamp(`${whole}${digits ? `.${digits}` : ''}`, t.precision, t.tz === 'utc');
  },
};

/** How each kind reads a typed value (a registry, as writers and dialects are). */
const PARSERS: Record<ColumnKind, ValueParser> = {
  int32: integer(32),
  int64: integer(64),
  decimal,
  float64: float,
  boolean,
  string: anyText,
  date,
  timestamp,
  binary: notAPosition,
  json: notAPosition,
};

/** What a typed value for a column of `type` must look like. */
export function expectedText(type: ColumnType): string {
  return PARSERS[type.kind].expected(type);
}

/** A typed value read against its column's type: its canonical value, or what was expected. */
export function parseValueText(text: string, type: ColumnType): ParsedValue {
  const parser = PARSERS[type.kind];
  // Text keys are taken as typed; for every other kind, spaces around a value are not part of it.
  const value = parser.parse(type.kind === 'string' ? text : text.trim(), type);
  return value === undefined ? { ok: false, expected: parser.expected(type) } : { ok: true, value };
}

/** A typed watermark, checked: its canonical values, or one line saying what is wrong (no value in it). */
export type ParsedWatermark =
  { ok: true; values: (string | number | boolean)[] } | { ok: false; problem: string };

/**
 * Typed values for the keyset columns (`columns`, `types`: the cursor column, then the primary key):
 * as many as the columns, or fewer (a prefix: the cursor alone starts the next run after that value).
 * The message names the column and its expected shape, never the value typed (it may be a key).
 */
export function parseWatermarkText(
  texts: readonly string[],
  columns: readonly string[],
  types: readonly ColumnType[],
): ParsedWatermark {
  const count = countProblem(texts.length, columns);
  if (count) return { ok: false, problem: count };
  const values: (string | number | boolean)[] = [];
  for (const [i, text] of texts.entries()) {
    const parsed = parseValueText(text, types[i]!);
    if (!parsed.ok)
      return {
        ok: false,
        problem: `--watermark value ${i + 1} (${columns[i]}, ${describeType(types[i]!)}) is not ${parsed.expected}`,
      };
    values.push(parsed.value);
  }
  return { ok: true, values };
}

/** Whether `count` typed values can be a position over `columns` (1 to all of them), and if not why. */
export function countProblem(count: number, columns: readonly string[]): string | undefined {
  if (count >= 1 && count <= columns.length) return undefined;
  const takes =
    columns.length === 1
      ? `1 value (${columns[0]})`
      : `1 to ${columns.length} values, comma-separated, in keyset order (${columns.join(', ')}); the cursor alone is allowed`;
  return `--watermark takes ${takes}, got ${count}`;
}

/**
 * A canonical value in the form the driver binds and compares exactly, as a run would have stored
 * it: dates and timestamps through the dialect's `formatBinding` (MySQL wants a space and no Z),
 * integers and decimals as exact text, the rest unchanged.
 */
export function driverValue(
  dialect: Pick<Dialect, 'formatBinding'>,
  value: string | number | boolean,
  type: ColumnType,
): StoredValue {
  if (typeof value === 'string' && (type.kind === 'timestamp' || type.kind === 'date'))
    return toStoredValues([dialect.formatBinding(value, type)])[0]!;
  return value;
}

/** The keyset a typed position is read against: a plan's order columns and their types. */
export type Keyset = Pick<SourcePlan, 'orderColumns' | 'orderTypes'>;

/** Typed values as a position over `keyset`, in the driver's form, or one line saying what is wrong. */
export function typedPosition(
  texts: readonly string[],
  keyset: Keyset,
  dialect: Pick<Dialect, 'formatBinding'>,
): { ok: true; watermark: Watermark } | { ok: false; problem: string } {
  const parsed = parseWatermarkText(texts, keyset.orderColumns, keyset.orderTypes);
  if (!parsed.ok) return parsed;
  const columns = keyset.orderColumns.slice(0, parsed.values.length);
  const values = parsed.values.map((v, i) => driverValue(dialect, v, keyset.orderTypes[i]!));
  return { ok: true, watermark: { columns, values } };
}

/** `col=value col=value`: canonical text when the keyset's types are known, else as stored. */
export function describePosition(w: Watermark, keyset?: Keyset, masked?: ReadonlySet<string>): string {
  return w.columns
    .map((c, i) => {
      if (masked?.has(c)) return `${c}=${MASK}`;
      const type = keyset?.orderColumns[i] === c ? keyset.orderTypes[i] : undefined;
      return `${c}=${type ? canonicalText(w.values[i], type) : String(w.values[i])}`;
    })
    .join(' ');
}

/** What a masked value shows: identifying columns' values stay off screens (status, state show). */
export const MASK = '***';

/** The position with the values of `masked` columns replaced by MASK (for --json output). */
export function maskedPosition<W extends Watermark>(w: W, masked: ReadonlySet<string>): W {
  return { ...w, values: w.values.map((v, i) => (masked.has(w.columns[i]!) ? MASK : v)) };
}

/** A stored or driver value as canonical text, for messages and `state show`. */
export function canonicalText(value: StoredValue | bigint | undefined, type: ColumnType): string {
  if (value === null || value === undefined) return 'NULL';
  const text = String(value);
  if (type.kind === 'timestamp') return canonicalTimestamp(text, type.precision, type.tz === 'utc');
  if (type.kind === 'date') return text.slice(0, 10);
  return text;
}

/**
 * A warning when the source holds no row at or after the watermark's cursor value, or none at all
 * (a restored or emptied database): every later increment would be empty without a word. Undefined
 * when the watermark is behind the newest row, or cannot apply to this plan (another keyset).
 * Two cheap statements: one row at or after the cursor (an index range), then MAX only if none.
 * The message carries cursor values (times or sequence numbers), never primary-key values.
 */
export async function watermarkAhead(
  conn: SourceConnection,
  plan: SourcePlan,
  watermark: Watermark | undefined,
): Promise<string | undefined> {
  const cursor = plan.cursor;
  if (!cursor || !watermark || watermark.columns[0] !== cursor.name || plan.orderColumns[0] !== cursor.name)
    return undefined;
  const { dialect, knex } = conn;
  const col = `q.${dialect.quoteIdentifier(cursor.name)}`;
  const at = dialect.keyBinding(watermark.values[0], cursor.type);
  const reached = { sql: `${col} >= ?`, bindings: [at] };
  const probe = batchQuery(
    dialect,
    { ...plan, filters: [...plan.filters, reached], orderColumns: [cursor.name], batchSize: 1 },
    undefined,
  );
  if ((await dialect.query(knex, probe.sql, probe.bindings)).rows.length > 0) return undefined;

  const where = plan.filters.length ? ` WHERE ${plan.filters.map((f) => f.sql).join(' AND ')}` : '';
  const max = await dialect.query(knex, `SELECT MAX(${col}) AS m FROM (${plan.template.sql}) q${where}`, [
    ...plan.template.bindings,
    ...plan.filters.flatMap((f) => f.bindings),
  ]);
  const newest = max.rows[0]?.[0];
  if (newest instanceof Uint8Array) return undefined;
  const mark = canonicalText(watermark.values[0], cursor.type);
  const remedy = (value: string) =>
    `\`moh-etl state set ${plan.name} --watermark ${value}\` to read on from there, or \`moh-etl state reset ${plan.name}\` to read it all again`;
  if (newest === null || newest === undefined)
    return `the watermark (${cursor.name} ${mark}) is set but the source has no rows: was the database restored or emptied? ${remedy('<value>')}`;
  const top = canonicalText(newest, cursor.type);
  return `the watermark (${cursor.name} ${mark}) is ahead of the newest ${cursor.name} in the source (${top}): was the database restored? Every increment is empty until new rows pass it; ${remedy(top)}`;
}

/**
 * The lookback window's digests behind a position set by hand: the rows within `lookbackMs` of
 * cursor time at or before `position`, digested exactly as a run would have digested them
 * (LookbackFilter). The next run re-reads that window; these mark its rows as already delivered.
 * Undefined when the plan has no window (no lookback, or a cursor that is not a date or time).
 * Reads the window only, in keyset batches: its size is bounded by the window, like the state's.
 */
export async function windowDigests(
  conn: SourceConnection,
  plan: SourcePlan,
  position: Watermark,
  lookbackMs: number,
): Promise<RecentRows | undefined> {
  const type = plan.orderTypes[0]!;
  if (lookbackMs <= 0 || (type.kind !== 'timestamp' && type.kind !== 'date')) return undefined;
  const { dialect } = conn;
  const floor = minusDuration(cursorText(position.values[0], type), type, lookbackMs);
  const start: Watermark = {
    columns: [plan.orderColumns[0]!],
    values: [dialect.formatBinding(floor, type) as StoredValue],
  };
  const after = afterPosition(
    dialect,
    position.columns,
    position.values.map((v, i) => dialect.keyBinding(v, plan.orderTypes[i]!)),
  );
  const window = {
    ...plan,
    filters: [...plan.filters, { sql: `NOT ${after.sql}`, bindings: after.bindings }],
  };
  const keyIndexes = plan.orderColumns.map((c) => plan.columns.findIndex((col) => col.name === c));
  const digests = new LookbackFilter(undefined, [], keyIndexes, [...plan.orderTypes], lookbackMs);
  for await (const batch of readBatches(conn, window, start)) for (const row of batch.rows) digests.keep(row);
  return digests.window(position.values[0]);
}

/** A calendar day that exists (2025-02-29 does not); years 0001–9999. */
function realDay(day: string): boolean {
  const m = DATE.exec(day);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (y < 1 || mo < 1 || mo > 12 || d < 1) return false;
  const dt = new Date(0);
  dt.setUTCFullYear(y, mo - 1, d);
  return dt.getUTCFullYear() === y && dt.getUTCMonth() === mo - 1 && dt.getUTCDate() === d;
}

/** "YYYY-MM-DDTHH:MM:SS" moved by whole minutes (an offset to UTC); undefined outside years 1–9999. */
function shiftMinutes(wall: string, minutes: number): string | undefined {
  if (minutes === 0) return wall;
  const [day, time] = wall.split('T') as [string, string];
  const [y, mo, d] = day.split('-').map(Number) as [number, number, number];
  const [h, mi, s] = time.split(':').map(Number) as [number, number, number];
  const dt = new Date(0);
  dt.setUTCFullYear(y, mo - 1, d);
  dt.setUTCHours(h, mi + minutes, s, 0);
  const year = dt.getUTCFullYear();
  if (year < 1 || year > 9999) return undefined;
  return dt.toISOString().slice(0, 19);
}
