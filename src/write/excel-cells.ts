/**
 * Canonical values (column-types.ts) to Excel cell values, exactly or as text, never rounded:
 * - int32, float64: numbers (NaN, ±Infinity and magnitudes below 2.2e-308, which Excel cannot
 *   hold, as text);
 * - int64, decimal: numbers only when the value has at most 15 significant digits (Excel keeps no
 *   more) and survives the trip through a double; otherwise the exact text;
 * - date: an Excel date serial, from 1900-03-01 on (earlier serials are wrong in Excel's 1900
 *   calendar); earlier dates as ISO text;
 * - timestamp: a date-time serial. Excel has no time zones: UTC columns hold the UTC wall clock
 *   (their header cell carries a note saying so, excel-columns.ts);
 * - boolean: TRUE/FALSE; string, json: text; binary: base64 text (as in CSV).
 * Characters XML 1.0 cannot carry (control characters), and CR (which XML readers turn into LF), are
 * written with Excel's _xHHHH_ escape. How a column's cells are shown (number formats): see
 * excel-columns.ts.
 */
import type { CellValue, ColumnSpec } from '../schema/column-types.js';
import { civilDays, wallMicros } from './parquet-values.js';

/** Excel's serial of 1970-01-01 (1900 date system). */
const EPOCH_SERIAL = 25569;
/** 1900-03-01: the first serial that is right in Excel's 1900 calendar (it has a 1900-02-29). */
const FIRST_SERIAL = 61;
/** Excel shows and keeps at most 15 significant digits. */
const EXCEL_DIGITS = 15;
/** The smallest magnitude Excel holds (2.2251E-308, the smallest normal double): below it, text. */
const EXCEL_MIN_MAGNITUDE = 2.2250738585072014e-308;
/** Excel's limit on the characters in one cell. */
export const EXCEL_MAX_TEXT = 32_767;

export type ExcelValue = string | number | boolean | null;
export type CellConverter = (v: CellValue) => ExcelValue;

export class CellError extends Error {
  override name = 'CellError';
}

export function cellConverter(spec: ColumnSpec): CellConverter {
  switch (spec.type.kind) {
    case 'int32':
    case 'float64':
      return (v) => (typeof v === 'number' ? excelNumber(v) : text(v));
    case 'int64':
    case 'decimal':
      return exactNumber;
    case 'boolean':
      return (v) => (typeof v === 'boolean' ? v : text(v));
    case 'date':
      return (v) => (typeof v === 'string' ? dateSerial(v) : text(v));
    case 'timestamp':
      return (v) => (typeof v === 'string' ? timestampSerial(v) : text(v));
    case 'binary':
      return (v) => (v instanceof Uint8Array ? Buffer.from(v).toString('base64') : text(v));
    case 'string':
    case 'json':
      return text;
  }
}

/** Any value as cell text, escaped for XML and checked against Excel's cell limit. */
export function text(v: CellValue): string {
  const s = v instanceof Uint8Array ? Buffer.from(v).toString('base64') : String(v);
  if (s.length > EXCEL_MAX_TEXT)
    throw new CellError(`${s.length} characters; an Excel cell holds at most ${EXCEL_MAX_TEXT}`);
  return escapeText(s);
}

// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPE = /[\u0000-\u0008\u000b-\u001f\u007f\ufffe\uffff]|_x[0-9a-fA-F]{4}_/;
// eslint-disable-next-line no-control-regex
const ESCAPES = /[\u0000-\u0008\u000b-\u001f\u007f\ufffe\uffff]|_(?=x[0-9a-fA-F]{4}_)/g;

/**
 * OOXML's ST_Xstring escape: a character XML cannot carry becomes _xHHHH_, and an underscore that
 * starts a literal "_xHHHH_" becomes _x005F_ so that Excel does not decode it.
 */
export function escapeText(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return s;
  return s.replace(ESCAPES, (c) => `_x${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}_`);
}

/** The inverse of escapeText (for readers and tests). */
export function unescapeText(s: string): string {
  return s.replace(/_x([0-9a-fA-F]{4})_/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

/**
 * int64 and decimal text as a number when it has at most 15 significant digits (so that the double
 * prints back as the same decimal, and Excel keeps every digit), else the exact text.
 */
function exactNumber(v: CellValue): ExcelValue {
  if (typeof v === 'number') return excelNumber(v);
  if (typeof v !== 'string') return text(v);
  let i = v.charCodeAt(0) === 45 /* - */ ? 1 : 0;
  let first = -1; // position of the first non-zero digit
  let last = -1; // and of the last one
  let dot = -1;
  let trailing = 0; // zeros after the last non-zero digit, before the dot
  for (; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c === 46 /* . */ && dot < 0) {
      dot = i;
      continue;
    }
    if (c < 48 || c > 57) return text(v);
    if (c !== 48) {
      if (first < 0) first = i;
      last = i;
      trailing = 0;
    } else if (dot < 0) trailing++;
  }
  if (v.length === (dot >= 0 ? 1 : 0) + (v.charCodeAt(0) === 45 ? 1 : 0)) return text(v);
  // Significant digits: first to last non-zero, less the dot, plus the integer's trailing zeros.
  const significant = first < 0 ? 0 : last - first + 1 - (dot > first && dot < last ? 1 : 0) + trailing;
  if (significant > EXCEL_DIGITS) return text(v);
  const n = Number(v);
  // A non-zero decimal far below Excel's smallest magnitude parses to 0 or a subnormal double.
  return first >= 0 && !(Math.abs(n) >= EXCEL_MIN_MAGNITUDE) ? text(v) : n;
}

/** A JavaScript number when Excel can hold it (not NaN, ±Infinity or a subnormal), else its text. */
function excelNumber(n: number): ExcelValue {
  return Number.isFinite(n) && (n === 0 || Math.abs(n) >= EXCEL_MIN_MAGNITUDE) ? n : text(n);
}

/** "YYYY-MM-DD" as an Excel serial, or the text before 1900-03-01. */
export function dateSerial(s: string): ExcelValue {
  const d = s.length === 10 ? civilDays(s) : NaN;
  return EPOCH_SERIAL + d >= FIRST_SERIAL ? EPOCH_SERIAL + d : text(s);
}

/** A naive or UTC timestamp as an Excel date-time serial (wall clock), or the text before 1900-03-01. */
export function timestampSerial(s: string): ExcelValue {
  const d = civilDays(s);
  const micros = wallMicros(s, s.charCodeAt(s.length - 1) === 90 /* Z */ ? s.length - 1 : s.length);
  // NaN (not a timestamp) fails the comparison too.
  return EPOCH_SERIAL + d >= FIRST_SERIAL && micros === micros
    ? EPOCH_SERIAL + d + micros / 86_400e6
    : text(s);
}
