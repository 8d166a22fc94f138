/** Builders for the fixed-width types: int32, int64, decimal(p ≤ 38), date, timestamp, float64, boolean. */
import { Bool, DateDay, Decimal, Float64, Int32, Int64, TimestampMicrosecond } from 'apache-arrow';
import type { ColumnSpec, Row } from '../schema/column-types.js';
import { Builder, FixedBuilder, grow, type EncodedSlice, type PutBytes } from './parquet-builder.js';
import { civilDaysAt, putTimestampMicrosAt, shortDecimalAt, shortIntegerAt } from './parquet-bytes.js';
import {
  parseDate,
  putDecimal128,
  putInt64,
  putSafeInt64,
  putTimestampMicros,
  shape,
  ValueError,
} from './parquet-values.js';

const TWO_32 = 4294967296;

export class Int32Builder extends FixedBuilder<Int32> {
  constructor(spec: ColumnSpec) {
    super(spec, new Int32(), 1);
  }
  append(rows: Row[], start: number, end: number, col: number, at: number): void {
    this.reserve(at + end - start);
    const words = this.words;
    for (let r = start, i = at; r < end; r++, i++) {
      const v = rows[r]![col];
      if (this.isNull(v, i)) continue;
      if (typeof v !== 'number' || (v | 0) !== v) throw new ValueError(`${shape(v)} is not an int32`);
      words[i] = v;
    }
  }
  override appendEncoded(slice: EncodedSlice): void {
    // The text's value is Number(text) (both dialects' converter) when it is plain digits.
    if (slice.encoded.converters[slice.col] !== Number) return super.appendEncoded(slice);
    this.appendBytes(slice, this.#put);
  }
  readonly #put: PutBytes = (src, start, end, i) => {
    const n = shortIntegerAt(src, start, end);
    if ((n | 0) !== n) return false;
    this.words[i] = n;
    return true;
  };
  protected values(length: number) {
    return { data: this.words.subarray(0, length) };
  }
}

export class Int64Builder extends FixedBuilder<Int64> {
  constructor(spec: ColumnSpec) {
    super(spec, new Int64(), 2);
  }
  append(rows: Row[], start: number, end: number, col: number, at: number): void {
    this.reserve(at + end - start);
    for (let r = start, i = at; r < end; r++, i++) {
      const v = rows[r]![col];
      if (this.isNull(v, i)) continue;
      if (typeof v !== 'string' && typeof v !== 'number') throw new ValueError(`${shape(v)} is not an int64`);
      putInt64(this.words, this.big, i, v);
    }
  }
  override appendEncoded(slice: EncodedSlice): void {
    if (slice.encoded.converters[slice.col]) return super.appendEncoded(slice);
    this.appendBytes(slice, this.#put);
  }
  readonly #put: PutBytes = (src, start, end, i) => {
    const n = shortIntegerAt(src, start, end);
    if (n !== n) return false;
    putSafeInt64(this.words, i, n);
    return true;
  };
  protected values(length: number) {
    return { data: this.big.subarray(0, length) };
  }
}

export class DecimalBuilder extends FixedBuilder<Decimal> {
  constructor(spec: ColumnSpec, precision: number, scale: number) {
    super(spec, new Decimal(scale, precision, 128), 4);
  }
  append(rows: Row[], start: number, end: number, col: number, at: number): void {
    this.reserve(at + end - start);
    const { precision, scale } = this.type;
    for (let r = start, i = at; r < end; r++, i++) {
      const v = rows[r]![col];
      if (this.isNull(v, i)) continue;
      if (typeof v !== 'string' && typeof v !== 'number')
        throw new ValueError(`${shape(v)} is not a decimal`);
      putDecimal128(this.words, this.big, i, v, precision, scale);
    }
  }
  override appendEncoded(slice: EncodedSlice): void {
    if (slice.encoded.converters[slice.col]) return super.appendEncoded(slice);
    this.appendBytes(slice, this.#put);
  }
  readonly #put: PutBytes = (src, start, end, i) => {
    const n = shortDecimalAt(src, start, end, this.type.precision, this.type.scale);
    if (n !== n) return false;
    const words = this.words;
    const hi = Math.floor(n / TWO_32);
    words[4 * i] = (n - hi * TWO_32) | 0;
    words[4 * i + 1] = hi;
    words[4 * i + 2] = words[4 * i + 3] = n < 0 ? -1 : 0;
    return true;
  };
  protected values(length: number) {
    return { data: new Uint32Array(this.words.buffer, 0, length * 4) };
  }
}

export class DateBuilder extends FixedBuilder<DateDay> {
  constructor(spec: ColumnSpec) {
    super(spec, new DateDay(), 1);
  }
  append(rows: Row[], start: number, end: number, col: number, at: number): void {
    this.reserve(at + end - start);
    const words = this.words;
    for (let r = start, i = at; r < end; r++, i++) {
      const v = rows[r]![col];
      if (this.isNull(v, i)) continue;
      if (typeof v !== 'string') throw new ValueError(`${shape(v)} is not a date`);
      words[i] = parseDate(v);
    }
  }
  override appendEncoded(slice: EncodedSlice): void {
    if (slice.encoded.converters[slice.col]) return super.appendEncoded(slice);
    this.appendBytes(slice, this.#put);
  }
  readonly #put: PutBytes = (src, start, end, i) => {
    const days = end - start === 10 ? civilDaysAt(src, start) : NaN;
    if (days !== days) return false;
    this.words[i] = days;
    return true;
  };
  protected values(length: number) {
    return { data: this.words.subarray(0, length) };
  }
}

export class TimestampBuilder extends FixedBuilder<TimestampMicrosecond> {
  constructor(
    spec: ColumnSpec,
    private readonly utc: boolean,
  ) {
    super(spec, new TimestampMicrosecond(utc ? 'UTC' : null), 2);
  }
  append(rows: Row[], start: number, end: number, col: number, at: number): void {
    this.reserve(at + end - start);
    for (let r = start, i = at; r < end; r++, i++) {
      const v = rows[r]![col];
      if (this.isNull(v, i)) continue;
      if (typeof v !== 'string') throw new ValueError(`${shape(v)} is not a timestamp`);
      putTimestampMicros(this.words, i, v, this.utc);
    }
  }
  /**
   * The server's text is read as the microseconds of its canonical text (the converter's, whose
   * usual shapes canonicalTimestampInto rewrites for CSV); anything unusual takes the value path.
   */
  override appendEncoded(slice: EncodedSlice): void {
    this.appendBytes(slice, this.#put);
  }
  readonly #put: PutBytes = (src, start, end, i) => putTimestampMicrosAt(this.words, i, src, start, end);
  protected values(length: number) {
    return { data: this.big.subarray(0, length) };
  }
}

export class Float64Builder extends Builder<Float64> {
  #data = new Float64Array(1024);
  constructor(spec: ColumnSpec) {
    super(spec, new Float64());
  }
  append(rows: Row[], start: number, end: number, col: number, at: number): void {
    this.reserve(at + end - start);
    const data = (this.#data = grow(this.#data, at + end - start, (n) => new Float64Array(n)));
    for (let r = start, i = at; r < end; r++, i++) {
      const v = rows[r]![col];
      if (this.isNull(v, i)) continue;
      if (typeof v !== 'number') throw new ValueError(`${shape(v)} is not a float64`);
      data[i] = v;
    }
  }
  protected values(length: number) {
    return { data: this.#data.subarray(0, length) };
  }
  bytes(length: number): number {
    return length * 8;
  }
}

export class BoolBuilder extends Builder<Bool> {
  #bits = new Uint8Array(128);
  constructor(spec: ColumnSpec) {
    super(spec, new Bool());
  }
  append(rows: Row[], start: number, end: number, col: number, at: number): void {
    this.reserve(at + end - start);
    const bits = (this.#bits = grow(this.#bits, (at + end - start + 7) >> 3, (n) => new Uint8Array(n)));
    for (let r = start, i = at; r < end; r++, i++) {
      const v = rows[r]![col];
      if (this.isNull(v, i)) continue;
      if (typeof v !== 'boolean') throw new ValueError(`${shape(v)} is not a boolean`);
      if (v) bits[i >> 3]! |= 1 << (i & 7);
    }
  }
  protected values(length: number) {
    return { data: this.#bits.subarray(0, (length + 7) >> 3) };
  }
  bytes(length: number): number {
    return length >> 3;
  }
  override reset(): void {
    super.reset();
    this.#bits.fill(0);
  }
}
