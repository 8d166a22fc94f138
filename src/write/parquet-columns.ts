/**
 * Columnar builders for Parquet: each canonical column type fills a growable typed array (and a
 * validity bitmap) that becomes an Arrow vector without going through Arrow's generic Builder, which
 * is several times slower per value. Buffers are reused for the next chunk.
 *
 * Arrow types: int32 Int32, int64 Int64, decimal(p ≤ 38) Decimal128, decimal(p > 38) Utf8 (exact
 * text: Parquet readers stop at 38 digits), float64 Float64, boolean Bool, string and json Utf8,
 * date DateDay, timestamp TimestampMicrosecond ('UTC' for UTC, no zone for naive), binary Binary.
 */
import { Binary, Utf8 } from 'apache-arrow';
import type { ColumnSpec, Row } from '../schema/column-types.js';
import { Builder, grow, type ColumnBuilder, type EncodedSlice, type PutBytes } from './parquet-builder.js';
import { copyUtf8 } from './parquet-bytes.js';
import {
  BoolBuilder,
  DateBuilder,
  DecimalBuilder,
  Float64Builder,
  Int32Builder,
  Int64Builder,
  TimestampBuilder,
} from './parquet-builders.js';
import { ValueError } from './parquet-values.js';

export type { ColumnBuilder } from './parquet-builder.js';

/** Widest decimal stored as DECIMAL; wider ones are written as exact text. */
export const MAX_DECIMAL_PRECISION = 38;

/** Parquet DECIMAL needs 1 ≤ precision ≤ 38 here and 0 ≤ scale ≤ precision; others are text. */
export const storedAsDecimal = (precision: number, scale: number): boolean =>
  precision >= 1 && precision <= MAX_DECIMAL_PRECISION && scale >= 0 && scale <= precision;

/** UTF-8 text (string, json, wide decimals) or bytes: offsets plus one data buffer. */
class VarBuilder extends Builder<Utf8 | Binary> {
  #offsets = new Int32Array(1025);
  #data = Buffer.allocUnsafe(64 * 1024);
  constructor(
    spec: ColumnSpec,
    private readonly kind: 'text' | 'binary' | 'decimal',
  ) {
    super(spec, kind === 'binary' ? new Binary() : new Utf8());
  }
  append(rows: Row[], start: number, end: number, col: number, at: number): void {
    this.reserve(at + end - start);
    const offsets = (this.#offsets = grow(this.#offsets, at + end - start + 1, (n) => new Int32Array(n)));
    let pos = offsets[at]!;
    for (let r = start, i = at; r < end; r++, i++) {
      const v = rows[r]![col];
      if (!this.isNull(v, i)) {
        if (this.kind === 'binary' ? !(v instanceof Uint8Array) : typeof v !== 'string')
          throw new ValueError(`${typeof v} value in a ${this.spec.type.kind} column`);
        const need = pos + (typeof v === 'string' ? v.length * 3 : (v as Uint8Array).length);
        if (need > this.#data.length) this.#grow(need);
        if (typeof v === 'string') pos = writeUtf8(this.#data, v, pos);
        else {
          this.#data.set(v as Uint8Array, pos);
          pos += (v as Uint8Array).length;
        }
        if (pos > 0x7fffffff) throw new ValueError('more than 2 GiB of text in one row group');
      }
      offsets[i + 1] = pos;
    }
  }
  /** Text whose value is its text (no converter) is copied as it is when it is valid UTF-8. */
  override appendEncoded(slice: EncodedSlice): void {
    if (this.kind === 'binary' || slice.encoded.converters[slice.col]) return super.appendEncoded(slice);
    const { start, end, at } = slice;
    this.#offsets = grow(this.#offsets, at + end - start + 1, (n) => new Int32Array(n));
    this.appendBytes(slice, this.#put);
  }
  // NULL, invalid UTF-8 (decoded with replacement characters, as the rows are), 2 GiB: the value path.
  readonly #put: PutBytes = (src, start, end, i) => {
    const pos = this.#offsets[i]!;
    if (pos + end - start > 0x7fffffff) return false;
    if (pos + end - start > this.#data.length) this.#grow(pos + end - start);
    const n = copyUtf8(src, start, end, this.#data, pos);
    if (n < 0) return false;
    this.#offsets[i + 1] = pos + n;
    return true;
  };

  #grow(need: number): void {
    const next = Buffer.allocUnsafe(Math.min(Math.max(need, this.#data.length * 2), 0x7fffffff + 1));
    this.#data.copy(next);
    this.#data = next;
  }
  protected values(length: number) {
    return {
      valueOffsets: this.#offsets.subarray(0, length + 1),
      data: this.#data.subarray(0, this.#offsets[length]),
    };
  }
  bytes(length: number): number {
    return this.#offsets[length]! + 4 * length;
  }
}

/** Short ASCII strings are copied code by code (much cheaper than a call into Buffer.write). */
function writeUtf8(data: Buffer, v: string, pos: number): number {
  const len = v.length;
  if (len <= 48) {
    let k = 0;
    for (; k < len; k++) {
      const c = v.charCodeAt(k);
      if (c >= 128) break;
      data[pos + k] = c;
    }
    if (k === len) return pos + len;
  }
  return pos + data.write(v, pos);
}

export function columnBuilder(spec: ColumnSpec): ColumnBuilder {
  const type = spec.type;
  switch (type.kind) {
    case 'int32':
      return new Int32Builder(spec);
    case 'int64':
      return new Int64Builder(spec);
    case 'decimal':
      return storedAsDecimal(type.precision, type.scale)
        ? new DecimalBuilder(spec, type.precision, type.scale)
        : new VarBuilder(spec, 'decimal');
    case 'float64':
      return new Float64Builder(spec);
    case 'boolean':
      return new BoolBuilder(spec);
    case 'date':
      return new DateBuilder(spec);
    case 'timestamp':
      return new TimestampBuilder(spec, type.tz === 'utc');
    case 'binary':
      return new VarBuilder(spec, 'binary');
    case 'string':
    case 'json':
      return new VarBuilder(spec, 'text');
  }
}
