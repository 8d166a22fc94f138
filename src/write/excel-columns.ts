/**
 * How each column looks in Excel: its number format, its width and the note on its header cell.
 * Everything here follows from the column's type, once per sheet, never per cell: a data cell's
 * look is one `s="N"` attribute in the row XML (excel-rows.ts), so the formats cost nothing per row,
 * and every part and sheet of a run looks the same.
 *
 * Formats (the cell keeps the value; only the display follows the format):
 * - int32, int64: `0` (General would show a 12+ digit identifier as 1.23457E+14);
 * - decimal(p,s): `0.00…` with s places (13.50 shows as 13.50), no thousands separator, so that
 *   the digits read as in the database and the CSV; at most 30 places (Excel's limit);
 * - date: `yyyy-mm-dd`;
 * - timestamp(p): `yyyy-mm-dd hh:mm:ss`, with min(p, 3) fractional digits (`.000` for p ≥ 3):
 *   Excel rounds a date-time to the format's last digit, so a column that holds fractions shows
 *   them rather than a second that may be the next one; Excel shows no more than milliseconds;
 * - float64, boolean, text, binary: Excel's General (text cells stay text).
 */
import type { CellValue, ColumnKind, ColumnSpec, ColumnType } from '../schema/column-types.js';

export const DATE_FORMAT = 'yyyy-mm-dd';
export const TIMESTAMP_FORMAT = 'yyyy-mm-dd hh:mm:ss';
export const INTEGER_FORMAT = '0';
export const UTC_NOTE = 'UTC. Excel has no time zones: this column shows the UTC wall-clock time.';

/** Excel's number formats show at most 30 decimal places. */
const MAX_DECIMAL_PLACES = 30;
/** Excel's formats show at most three fractional digits of a second. */
const MAX_SECOND_DIGITS = 3;
/** Excel's General format shows about 11 characters of a number; 12 with a sign. */
const GENERAL_CHARS = 12;
/** Width in characters: room either side of the text, a bold header's extra, its filter button. */
const PADDING = 2;
const BOLD = 1.1;
const FILTER_BUTTON = 3;
const MIN_WIDTH = 8;
const MAX_WIDTH = 60;

type TypeOf<K extends ColumnKind> = Extract<ColumnType, { kind: K }>;

/** One kind's look. Method syntax on purpose: a look for one kind is used through the union. */
interface ColumnLook<K extends ColumnKind> {
  /** The number format code; absent: General. */
  format?(type: TypeOf<K>): string;
  /** Characters every value shows as, when the format fixes it (dates). */
  fixedLength?(type: TypeOf<K>): number;
  /** Characters one value shows as (sampled from the part's first rows). */
  length?(value: Exclude<CellValue, null>): number;
  /** The note on the header cell. */
  note?(type: TypeOf<K>): string | undefined;
}

const textLength = (v: Exclude<CellValue, null>): number =>
  v instanceof Uint8Array ? Math.ceil(v.length / 3) * 4 : String(v).length;

const LOOKS: { [K in ColumnKind]: ColumnLook<K> } = {
  int32: { format: () => INTEGER_FORMAT, length: textLength },
  int64: { format: () => INTEGER_FORMAT, length: textLength },
  decimal: { format: (t) => decimalFormat(t.scale), length: textLength },
  float64: { length: (v) => Math.min(textLength(v), GENERAL_CHARS) },
  boolean: { fixedLength: () => 'FALSE'.length },
  string: { length: textLength },
  json: { length: textLength },
  binary: { length: textLength },
  date: { format: () => DATE_FORMAT, fixedLength: () => DATE_FORMAT.length },
  timestamp: {
    format: (t) => timestampFormat(t.precision),
    fixedLength: (t) => timestampFormat(t.precision).length,
    note: (t) => (t.tz === 'utc' ? UTC_NOTE : undefined),
  },
};

const lookOf = (type: ColumnType): ColumnLook<ColumnKind> => LOOKS[type.kind] as ColumnLook<ColumnKind>;

/** `0` for scale 0, else `0.` and `scale` zeros (at most 30). */
export function decimalFormat(scale: number): string {
  const places = Math.min(Math.max(0, Math.trunc(scale)), MAX_DECIMAL_PLACES);
  return places === 0 ? INTEGER_FORMAT : `0.${'0'.repeat(places)}`;
}

/** `yyyy-mm-dd hh:mm:ss`, with `.0`, `.00` or `.000` for a column with fractional seconds. */
export function timestampFormat(precision: number): string {
  const digits = Math.min(Math.max(0, Math.trunc(precision)), MAX_SECOND_DIGITS);
  return digits === 0 ? TIMESTAMP_FORMAT : `${TIMESTAMP_FORMAT}.${'0'.repeat(digits)}`;
}

/** The column's number format code, or undefined for General. */
export function numberFormat(spec: ColumnSpec): string | undefined {
  return lookOf(spec.type).format?.(spec.type);
}

/** The note on the column's header cell (UTC timestamps say that they are UTC). */
export function headerNote(spec: ColumnSpec): string | undefined {
  return lookOf(spec.type).note?.(spec.type);
}

/**
 * Column width in characters: the bold header with its filter button, and the widest sampled value
 * as shown (a fixed width for dates and timestamps), within 8 to 60.
 */
export function columnWidth(spec: ColumnSpec, sample: CellValue[]): number {
  const look = lookOf(spec.type);
  let width = Math.ceil(spec.name.length * BOLD) + FILTER_BUTTON;
  const fixed = look.fixedLength?.(spec.type);
  if (fixed !== undefined) width = Math.max(width, fixed + PADDING);
  else if (look.length)
    for (const v of sample) if (v !== null) width = Math.max(width, look.length(v) + PADDING);
  return Math.min(MAX_WIDTH, Math.max(MIN_WIDTH, width));
}
