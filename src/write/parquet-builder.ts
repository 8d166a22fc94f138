/**
 * The column builder contract and the shared parts of the builders: a growable validity bitmap and,
 * for fixed-width types, one growable buffer seen as 32-bit words and as 64-bit integers.
 */
import { Field, makeData, type Data, type DataType } from 'apache-arrow';
import type { ColumnSpec, EncodedRows, Row } from '../schema/column-types.js';
import { fieldLength } from '../schema/column-types.js';
import { ValueError } from './parquet-values.js';

/** Column `col` of an encoded batch's rows [start, end), to be appended at positions at, at+1, … */
export interface EncodedSlice {
  encoded: EncodedRows;
  /** Where row r's field of column c starts (its 32-bit length, -1 for NULL): fields[r * stride + c]. */
  fields: Int32Array;
  stride: number;
  start: number;
  end: number;
  col: number;
  at: number;
}

/** Writes the value whose text is src[start, end) at position i; false writes nothing (the value path then runs). */
export type PutBytes = (src: Buffer, start: number, end: number, i: number) => boolean;

export interface ColumnBuilder {
  readonly field: Field;
  /** Appends column `col` of rows[start, end) at positions at, at+1, … */
  append(rows: Row[], start: number, end: number, col: number, at: number): void;
  /** The same from an encoded batch: the values `append` writes for its decoded rows, errors included. */
  appendEncoded(slice: EncodedSlice): void;
  /**
   * The first `length` values as Arrow data (views of the builder's buffers: use before reset),
   * `length` at most the rows appended.
   */
  finish(length: number): Data;
  /** Bytes held for `length` values (for the chunk's byte bound). */
  bytes(length: number): number;
  reset(): void;
}

/** Set bits among the first `length` of a bitmap (LSB first, as Arrow's validity). */
function setBits(bitmap: Uint8Array, length: number): number {
  let n = 0;
  const whole = length >> 3;
  for (let i = 0; i < whole; i++) n += BITS[bitmap[i]!]!;
  const rest = length & 7;
  if (rest) n += BITS[bitmap[whole]! & ((1 << rest) - 1)]!;
  return n;
}

const BITS = Uint8Array.from({ length: 256 }, (_, b) => {
  let n = 0;
  for (let v = b; v; v >>= 1) n += v & 1;
  return n;
});

/** A one-row batch for appendDecoded (no value survives the call). */
const ONE: Row[] = [[null]];

export const grow = <T extends Int32Array | Float64Array | Uint8Array>(
  a: T,
  need: number,
  make: (n: number) => T,
): T => {
  if (need <= a.length) return a;
  const b = make(Math.max(need, a.length * 2));
  b.set(a);
  return b;
};

export abstract class Builder<T extends DataType> implements ColumnBuilder {
  readonly field: Field;
  protected validity = new Uint8Array(128);
  protected nulls = 0;

  constructor(
    protected readonly spec: ColumnSpec,
    readonly type: T,
  ) {
    this.field = new Field(spec.name, type, spec.nullable);
  }

  abstract append(rows: Row[], start: number, end: number, col: number, at: number): void;

  /** By default every field is decoded and converted as the rows would be (builders with a byte path override it). */
  appendEncoded(slice: EncodedSlice): void {
    const { encoded, fields, stride, start, end, col, at } = slice;
    for (let r = start, i = at; r < end; r++, i++)
      this.appendDecoded(encoded, fields[r * stride + col]!, col, i);
  }

  /** The byte path's loop: each field's text through `put`; NULLs and what `put` refuses through the value path. */
  protected appendBytes(slice: EncodedSlice, put: PutBytes): void {
    const { encoded, fields, stride, start, end, col, at } = slice;
    this.reserve(at + end - start);
    const src = encoded.bytes;
    for (let r = start, i = at; r < end; r++, i++) {
      const p = fields[r * stride + col]!;
      const len = fieldLength(src, p);
      if (len >= 0 && put(src, p + 4, p + 4 + len, i)) this.present(i);
      else this.appendDecoded(encoded, p, col, i);
    }
  }

  /** The field at `p` by the value path: decoded and converted as the batch's rows are, then appended at i. */
  protected appendDecoded(encoded: EncodedRows, p: number, col: number, i: number): void {
    const src = encoded.bytes;
    const len = fieldLength(src, p);
    const convert = encoded.converters[col];
    const text = len < 0 ? null : src.toString('utf8', p + 4, p + 4 + len);
    ONE[0]![0] = text === null ? null : convert ? convert(text) : text;
    try {
      this.append(ONE, 0, 1, 0, i);
    } finally {
      ONE[0]![0] = null;
    }
  }

  /** Records that value i is present (the byte path's isNull for a field that is not NULL). */
  protected present(i: number): void {
    this.validity[i >> 3]! |= 1 << (i & 7);
  }
  protected abstract values(length: number): Partial<Record<'data' | 'valueOffsets', unknown>>;
  abstract bytes(length: number): number;

  finish(length: number): Data {
    // The chunk may end before the last appended row (ParquetPartWriter cuts at 16 MiB): count the
    // NULLs of the first `length` rows from the bitmap.
    const nulls = this.nulls === 0 ? 0 : length - setBits(this.validity, length);
    return makeData({
      type: this.type,
      length,
      nullCount: nulls,
      nullBitmap: nulls > 0 ? this.validity.subarray(0, (length + 7) >> 3) : undefined,
      ...this.values(length),
    } as never) as Data;
  }

  reset(): void {
    this.validity.fill(0);
    this.nulls = 0;
  }

  /** Grows the validity bitmap for `length` values. */
  protected reserve(length: number): void {
    this.validity = grow(this.validity, (length + 7) >> 3, (n) => new Uint8Array(n));
  }

  /** Records a null (or fails for a NOT NULL column); false when the value is present. */
  protected isNull(v: unknown, i: number): boolean {
    if (v !== null && v !== undefined) {
      this.validity[i >> 3]! |= 1 << (i & 7);
      return false;
    }
    if (!this.spec.nullable) throw new ValueError('null in a NOT NULL column');
    this.nulls++;
    return true;
  }
}

/** Fixed-width 32- or 64-bit values; `words` is an Int32Array view (two words per 64-bit value). */
export abstract class FixedBuilder<T extends DataType> extends Builder<T> {
  protected words: Int32Array;
  protected big: BigInt64Array;

  constructor(
    spec: ColumnSpec,
    type: T,
    private readonly wordsPerValue: number,
  ) {
    super(spec, type);
    this.words = new Int32Array(1024 * wordsPerValue);
    this.big = new BigInt64Array(this.words.buffer);
  }

  protected override reserve(length: number): void {
    super.reserve(length);
    // An even word count keeps the buffer a whole number of 8-byte values for the BigInt64Array view
    // (a 32-bit column can need an odd count).
    const words = grow(this.words, length * this.wordsPerValue, (n) => new Int32Array(n + (n & 1)));
    if (words !== this.words) {
      this.words = words;
      this.big = new BigInt64Array(words.buffer);
    }
  }

  bytes(length: number): number {
    return length * this.wordsPerValue * 4;
  }
}
