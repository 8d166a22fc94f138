/**
 * CSV bytes for one batch, written straight into a reusable buffer. Building a JavaScript string
 * per batch measured slower than the formatting itself: a batch string is a rope of ~20 pieces per
 * row that V8 must flatten before it can be encoded (0.6 µs a row). Here a field is copied byte by
 * byte while it is checked, so the common field (ASCII, nothing to quote) costs one pass; a field
 * that needs quoting or holds non-ASCII text takes the general path, the same rule as the header.
 */
import type { CellValue, Row } from '../schema/column-types.js';

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

export class CsvBatchEncoder {
  #buf = Buffer.allocUnsafe(1 << 20);
  #pos = 0;
  readonly #quote: RegExp;
  /** The delimiter's code when it is one ASCII byte (the fast path), else -1. */
  readonly #delimiterCode: number;
  readonly #delimiterBytes: Buffer;
  readonly #nullBytes: Buffer;
  readonly #nullValue: string;

  constructor(
    delimiter: string,
    nullValue: string,
    private readonly binary: boolean[],
  ) {
    this.#quote = quoteRule(delimiter);
    const code = delimiter.charCodeAt(0);
    this.#delimiterCode = delimiter.length === 1 && code < 128 ? code : -1;
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
    const binary = this.binary;
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r]!;
      for (let i = 0; i < row.length; i++) {
        if (i > 0) this.#putDelimiter();
        const v: CellValue = row[i]!;
        if (v === null) this.#putBytes(this.#nullBytes);
        else if (typeof v === 'string') this.#putField(v);
        else if (binary[i]) this.#putField(Buffer.from(v as Uint8Array).toString('base64'));
        else this.#putField(String(v));
      }
      this.#reserve(1);
      this.#buf[this.#pos++] = 10;
    }
    return this.#buf.subarray(0, this.#pos);
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
