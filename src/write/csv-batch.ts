/**
 * CSV bytes for one batch, written straight into a reusable buffer. Building a JavaScript string
 * per batch measured slower than the formatting itself: a batch string is a rope of ~20 pieces per
 * row that V8 must flatten before it can be encoded (0.6 µs a row). Here a field is copied byte by
 * byte while it is checked, so the common field (ASCII, nothing to quote) costs one pass; a field
 * that needs quoting or holds non-ASCII text takes the general path, the same rule as the header.
 */
import {
  fieldLength,
  type CellValue,
  type ColumnSpec,
  type EncodedRows,
  type Row,
} from '../schema/column-types.js';
import { canonicalTimestamp, canonicalTimestampInto } from '../schema/timestamp-text.js';
import { utf8Sequence } from './utf8.js';

/** The field as CSV text: quoted when it holds the delimiter, a quote, CR, LF or edge whitespace. */
export function csvField(text: string, quote: RegExp): string {
  return quote.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The quoting rule for a one-character delimiter. */
export function quoteRule(delimiter: string): RegExp {
  const d = delimiter.replace(/[\\^$.*+?()[\]{}|-]/g, '\\$&');
  return new RegExp(`[${d}"\\r\\n]|^\\s|\\s$`);
}

const isAsciiSpace = (c: number): boolean => c === 32 || (c >= 9 && c <= 13);

/** Whether the n-byte sequence at `b[k]` is whitespace to JavaScript's `\s` (the quoting rule). */
function isUnicodeSpace(b: Buffer, k: number, n: number): boolean {
  if (n === 2) return b[k] === 0xc2 && b[k + 1] === 0xa0;
  if (n !== 3) return false;
  const cp = ((b[k]! & 0x0f) << 12) | ((b[k + 1]! & 0x3f) << 6) | (b[k + 2]! & 0x3f);
  return (
    cp === 0x1680 ||
    (cp >= 0x2000 && cp <= 0x200a) ||
    cp === 0x2028 ||
    cp === 0x2029 ||
    cp === 0x202f ||
    cp === 0x205f ||
    cp === 0x3000 ||
    cp === 0xfeff
  );
}

const VERBATIM = 0;
const TIMESTAMP = 1;
const CONVERT = 2;

export class CsvBatchEncoder {
  #buf = Buffer.allocUnsafe(1 << 20);
  #pos = 0;
  readonly #quote: RegExp;
  /** The delimiter's code when it is one ASCII byte (the fast path), else -1. */
  readonly #delimiterCode: number;
  readonly #delimiterBytes: Buffer;
  /** 1 for the bytes that end the common field's copy: the delimiter, '"', CR, LF, and non-ASCII. */
  readonly #stops = new Uint8Array(256).fill(1, 128);
  readonly #nullBytes: Buffer;
  readonly #nullValue: string;

  readonly #binary: boolean[];

  constructor(
    delimiter: string,
    nullValue: string,
    private readonly columns: ColumnSpec[],
  ) {
    this.#binary = columns.map((c) => c.type.kind === 'binary');
    this.#quote = quoteRule(delimiter);
    const code = delimiter.charCodeAt(0);
    this.#delimiterCode = delimiter.length === 1 && code < 128 ? code : -1;
    for (const c of [this.#delimiterCode, 34, 10, 13]) if (c >= 0) this.#stops[c] = 1;
    this.#delimiterBytes = Buffer.from(delimiter, 'utf8');
    this.#nullBytes = Buffer.from(nullValue, 'utf8');
    this.#nullValue = nullValue;
  }

  /**
   * The batch's rows as CSV bytes, prefixed by `head`. The result is a view of the encoder's buffer:
   * valid until the next call.
   */
  encode(rows: Row[], head = ''): Buffer {
    this.#pos = 0;
    if (head) this.#putText(head);
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r]!;
      for (let i = 0; i < row.length; i++) {
        if (i > 0) this.#putDelimiter();
        this.#putValue(row[i]!, i);
      }
      this.#reserve(1);
      this.#buf[this.#pos++] = 10;
    }
    return this.#buf.subarray(0, this.#pos);
  }

  /**
   * The same bytes as encode(encoded.rows()), from the server's text without decoding it: a field
   * whose text is already canonical is copied when it needs no quoting (valid UTF-8 included), a
   * timestamp is rewritten byte by byte, and anything else (quoting, invalid UTF-8, other
   * conversions) is decoded and takes the ordinary path. test/unit/write/csv-encoded.test.ts (and
   * test/unit/db/mysql-packets/csv-bytes.test.ts for text) hold the two paths to the same output.
   */
  encodeEncoded(encoded: EncodedRows, head = ''): Buffer {
    // A multi-byte delimiter has no byte fast path anyway.
    if (this.#delimiterCode < 0) return this.encode(encoded.rows(), head);
    this.#pos = 0;
    if (head) this.#putText(head);
    const plan = this.#plan(encoded);
    const columns = plan.length;
    const src = encoded.bytes;
    const starts = encoded.starts;
    const d = this.#delimiterCode;
    const nullLength = this.#nullBytes.length;
    // One loop with the common field inlined: per-field method calls and bounds-checked reads were
    // most of this function's time (see "CSV from bytes" in ARCHITECTURE.md). Anything unusual takes
    // the ordinary path at the end of the loop.
    for (let r = 0; r < encoded.count; r++) {
      let p = starts[r]! + 2;
      for (let i = 0; i < columns; i++) {
        const len = fieldLength(src, p);
        const start = p + 4;
        const end = len < 0 ? start : start + len;
        p = end;
        // Room for the fast paths: the field, a delimiter, the null text, what a timestamp adds.
        if (this.#pos + len + nullLength + 16 > this.#buf.length) this.#reserve(len + nullLength + 16);
        const buf = this.#buf;
        let o = this.#pos;
        if (i > 0) buf[o++] = d;
        this.#pos = o;
        if (len < 0) {
          // Byte by byte: Buffer#copy of a short range allocates a view (garbage per NULL).
          const nullBytes = this.#nullBytes;
          for (let k = 0; k < nullLength; k++) buf[o++] = nullBytes[k]!;
          this.#pos = o;
          continue;
        }
        const kind = plan[i];
        if (kind === VERBATIM) {
          // The common field: ASCII that needs no quoting, copied while checked.
          if (
            !(len === nullLength && (len === 0 || src.compare(this.#nullBytes, 0, len, start, end) === 0)) &&
            (len === 0 || (!isAsciiSpace(src[start]!) && !isAsciiSpace(src[end - 1]!)))
          ) {
            const stops = this.#stops;
            let k = start;
            for (; k < end; k++) {
              const c = src[k]!;
              if (stops[c] === 1) break;
              buf[o++] = c;
            }
            if (k === end) {
              this.#pos = o;
              continue;
            }
            if (src[k]! >= 128 && this.#copyUtf8(src, start, end, k, o)) continue;
          }
        } else if (kind === TIMESTAMP && this.#putTimestamp(src, start, end, this.columns[i]!)) continue;
        // Quoting, invalid UTF-8, other conversions, unusual timestamps: decode, the ordinary path.
        const text = src.toString('utf8', start, end);
        const convert = encoded.converters[i];
        this.#putValue(convert ? convert(text) : text, i);
      }
      this.#reserve(1);
      this.#buf[this.#pos++] = 10;
    }
    return this.#buf.subarray(0, this.#pos);
  }

  /** Per column: copy the text (it is canonical), rewrite a timestamp, or decode and convert. */
  #plan(encoded: EncodedRows): number[] {
    return this.columns.map((c, i) =>
      c.type.kind === 'timestamp'
        ? TIMESTAMP
        : // PostgreSQL prints int2/int4 exactly as Number() then String() would.
          !encoded.converters[i] || c.type.kind === 'int32'
          ? VERBATIM
          : CONVERT,
    );
  }

  /**
   * The common field's copy from `k` on, once a byte above 127 is met. Decoding valid UTF-8 and encoding it again
   * gives the same bytes, and no byte of a multi-byte sequence is the (ASCII) delimiter, a quote or
   * CR/LF, so such a field is copied as it is unless it starts or ends with Unicode whitespace
   * (quoted by the general rule). Invalid UTF-8 takes the general path, which decodes it with
   * U+FFFD. Copying kept CJK text as cheap as ASCII (decoding it cost ~0.3 µs a field).
   */
  #copyUtf8(src: Buffer, start: number, end: number, k: number, o: number): boolean {
    const buf = this.#buf;
    const d = this.#delimiterCode;
    while (k < end) {
      const c = src[k]!;
      if (c < 128) {
        if (c === d || c === 34 || c === 10 || c === 13) return false;
        buf[o++] = c;
        k++;
        continue;
      }
      const n = utf8Sequence(src, k, end);
      if (n === 0) return false;
      if ((k === start || k + n === end) && isUnicodeSpace(src, k, n)) return false;
      for (let j = 0; j < n; j++) buf[o++] = src[k + j]!;
      k += n;
    }
    this.#pos = o;
    return true;
  }

  /** A timestamp in the usual shape, rewritten canonical; false (nothing written) otherwise. */
  #putTimestamp(src: Buffer, start: number, end: number, column: ColumnSpec): boolean {
    const type = column.type;
    if (type.kind !== 'timestamp') return false;
    this.#reserve(end - start + 14);
    const next = canonicalTimestampInto(
      src,
      start,
      end,
      type.precision,
      type.tz === 'utc',
      this.#buf,
      this.#pos,
    );
    if (next < 0) return false;
    const len = next - this.#pos;
    // As #putField: a value that reads like the null text is quoted (then the general path does it).
    if (len === this.#nullBytes.length && this.#buf.compare(this.#nullBytes, 0, len, this.#pos, next) === 0) {
      this.#putField(canonicalTimestamp(src.toString('utf8', start, end), type.precision, type.tz === 'utc'));
      return true;
    }
    this.#pos = next;
    return true;
  }

  #putValue(v: CellValue, i: number): void {
    if (v === null) this.#putBytes(this.#nullBytes);
    else if (typeof v === 'string') this.#putField(v);
    else if (this.#binary[i]) this.#putField(Buffer.from(v as Uint8Array).toString('base64'));
    else this.#putField(String(v));
  }

  #putField(s: string): void {
    const len = s.length;
    // A value that reads like the null representation is quoted, so NULL and the empty string (or
    // the text "NULL" with null_value NULL) stay apart, as PostgreSQL's COPY CSV does.
    if (len === this.#nullValue.length && s === this.#nullValue) {
      this.#putText(`"${s.replace(/"/g, '""')}"`);
      return;
    }
    this.#reserve(len);
    const buf = this.#buf;
    const pos = this.#pos;
    const d = this.#delimiterCode;
    let k = 0;
    for (; k < len; k++) {
      const c = s.charCodeAt(k);
      if (c >= 128 || c === d || c === 34 || c === 10 || c === 13) break;
      buf[pos + k] = c;
    }
    if (
      k === len &&
      (len === 0 || (!isAsciiSpace(s.charCodeAt(0)) && !isAsciiSpace(s.charCodeAt(len - 1))))
    ) {
      this.#pos = pos + len;
      return;
    }
    // Quoting, non-ASCII text or a multi-byte delimiter: the general rule, then UTF-8.
    this.#putText(csvField(s, this.#quote));
  }

  #putText(s: string): void {
    this.#reserve(Buffer.byteLength(s, 'utf8'));
    this.#pos += this.#buf.write(s, this.#pos, 'utf8');
  }

  #putDelimiter(): void {
    if (this.#delimiterCode >= 0) {
      this.#reserve(1);
      this.#buf[this.#pos++] = this.#delimiterCode;
    } else this.#putBytes(this.#delimiterBytes);
  }

  #putBytes(b: Buffer): void {
    this.#reserve(b.length);
    b.copy(this.#buf, this.#pos);
    this.#pos += b.length;
  }

  /** Room for `n` more bytes. */
  #reserve(n: number): void {
    if (this.#pos + n <= this.#buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.#buf.length * 2, this.#pos + n));
    this.#buf.copy(next, 0, 0, this.#pos);
    this.#buf = next;
  }
}
