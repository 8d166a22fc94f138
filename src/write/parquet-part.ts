/**
 * The Parquet part writer (see parquet.ts): fills Arrow buffers from the rows (that needs the rows,
 * so it runs in the writing thread) and hands every chunk to a ParquetSink (parquet-sink.ts) as Arrow
 * IPC bytes; the sink encodes, writes and commits, usually in the encoder thread. Loaded on first
 * use: apache-arrow costs memory that CSV-only runs never need.
 */
import { makeData, RecordBatch, Schema, Struct, Table, tableToIPC } from 'apache-arrow';
import { OutputError } from '../errors.js';
import type { ColumnSpec, RowBatch } from '../schema/column-types.js';
import { fieldStarts } from './parquet-bytes.js';
import { columnBuilder, type ColumnBuilder } from './parquet-columns.js';
import type { ParquetSettings } from './parquet-options.js';
import type { ParquetSink } from './parquet-sink.js';
import { ValueError } from './parquet-values.js';
import type { CommittedPart, PartWriter } from './writer.js';

/**
 * Rows per hand-over to the encoder (fewer when row_group_rows is smaller). Each chunk exists three
 * times at once (builders, IPC bytes in flight, the encoder's copy in WebAssembly memory, which
 * never shrinks). Measured writing 1M synthetic attendances, peak RSS of the writer alone: 65,536
 * 220 MB, 32,768 192 MB, 16,384 186 MB, every file the same size. (An earlier encoder that
 * flushed pages per chunk compressed timestamps 17% worse at 16,384.)
 */
const CHUNK_ROWS = 32_768;
/** A chunk is handed over early when its values reach this many bytes (wide text, blobs). */
const CHUNK_BYTES = 16 * 1024 * 1024;

export class ParquetPartWriter implements PartWriter {
  readonly #builders: ColumnBuilder[];
  readonly #schema: Schema;
  /** Rows in the chunk being built, and rows already handed to the encoder. */
  #buffered = 0;
  #flushed = 0;
  #failed: unknown;
  /**
   * Field positions of the encoded batch being written, reused: a fresh table per batch is memory
   * outside the heap that the few young-generation collections of the byte path rarely free
   * (measured: peak RSS 259 → 275 MB on 1M rows, arrayBuffers 13 → 60 MB).
   */
  #fields: Int32Array = new Int32Array(0);

  constructor(
    private readonly sink: ParquetSink,
    private readonly path: string,
    private readonly columns: ColumnSpec[],
    private readonly settings: ParquetSettings,
  ) {
    this.#builders = columns.map(columnBuilder);
    this.#schema = new Schema(this.#builders.map((b) => b.field));
  }

  get bytes(): number {
    return this.sink.bytes;
  }

  async write(batch: RowBatch): Promise<void> {
    this.#check();
    const encoded = batch.encoded;
    const count = encoded ? encoded.count : batch.rows.length;
    const fields = encoded
      ? (this.#fields = fieldStarts(encoded, this.#builders.length, this.#fields))
      : undefined;
    const chunkRows = Math.min(CHUNK_ROWS, this.settings.rowGroupRows);
    for (let start = 0; start < count;) {
      const end = Math.min(count, start + chunkRows - this.#buffered);
      const before = this.#buffered;
      this.#append(batch, start, end, fields);
      this.#buffered += end - start;
      if (this.#bytes(this.#buffered) >= CHUNK_BYTES) {
        // The chunk ends at the first row that takes it to CHUNK_BYTES, wherever this batch ends:
        // the file must not depend on batch sizes (byte batches grow, decoded ones do not). The
        // rows after the cut are this batch's, appended again to the next chunk.
        const cut = this.#firstRowsOver(before + 1, this.#buffered);
        this.#buffered = cut;
        await this.#flush();
        start += cut - before;
        continue;
      }
      start = end;
      if (this.#buffered >= chunkRows) await this.#flush();
    }
  }

  async commit(): Promise<CommittedPart> {
    this.#check();
    try {
      if (this.#buffered > 0 || this.#flushed === 0) await this.#flush();
      return await this.sink.commit(this.#flushed);
    } catch (e) {
      this.#failed = e;
      throw e instanceof OutputError
        ? e
        : new OutputError(`${this.path}: ${(e as Error).message}`, { cause: e });
    }
  }

  async abort(): Promise<void> {
    this.#failed ??= new Error('aborted');
    await this.sink.abort();
  }

  #check(): void {
    if (this.#failed !== undefined)
      throw new OutputError(`${this.path}: the Parquet writer failed earlier`, {
        cause: this.#failed,
      });
  }

  #append(batch: RowBatch, start: number, end: number, fields: Int32Array | undefined): void {
    const stride = this.#builders.length;
    for (let c = 0; c < stride; c++) {
      try {
        const builder = this.#builders[c]!;
        if (batch.encoded && fields)
          builder.appendEncoded({
            encoded: batch.encoded,
            fields,
            stride,
            start,
            end,
            col: c,
            at: this.#buffered,
          });
        else builder.append(batch.rows, start, end, c, this.#buffered);
      } catch (e) {
        if (!(e instanceof ValueError)) throw e;
        const row = this.#flushed + this.#buffered + firstBad(batch, start, end, c, this.columns[c]!);
        this.#failed = e;
        throw new OutputError(
          `${this.path}: column "${this.columns[c]!.name}" (${this.columns[c]!.type.kind}), row ${row + 1} of the part: ${e.message}`,
          {
            cause: e,
            hint: 'Parquet keeps values exact and never rounds; fix the value or cast it in the query',
          },
        );
      }
    }
  }

  /** Bytes of the chunk's first `rows` rows (every builder's count is exact for any prefix). */
  #bytes(rows: number): number {
    let n = 0;
    for (const b of this.#builders) n += b.bytes(rows);
    return n;
  }

  /** The fewest rows, within [low, high], whose bytes reach CHUNK_BYTES (high reaches them). */
  #firstRowsOver(low: number, high: number): number {
    while (low < high) {
      const mid = (low + high) >> 1;
      if (this.#bytes(mid) >= CHUNK_BYTES) high = mid;
      else low = mid + 1;
    }
    return low;
  }

  async #flush(): Promise<void> {
    const length = this.#buffered;
    const children = this.#builders.map((b) => b.finish(length));
    const data = makeData({ type: new Struct(this.#schema.fields), length, nullCount: 0, children });
    const ipc = tableToIPC(new Table([new RecordBatch(this.#schema, data)]), 'stream');
    for (const b of this.#builders) b.reset();
    this.#flushed += length;
    this.#buffered = 0;
    try {
      await this.sink.push(ipc);
    } catch (e) {
      this.#failed = e;
      throw e instanceof OutputError
        ? e
        : new OutputError(`${this.path}: ${(e as Error).message}`, { cause: e });
    }
  }
}

/** Index (within the batch slice) of the row whose value failed, for the error message. */
function firstBad(batch: RowBatch, start: number, end: number, col: number, spec: ColumnSpec): number {
  const probe = columnBuilder(spec);
  for (let r = start; r < end; r++) {
    try {
      probe.append(batch.rows, r, r + 1, col, 0);
      probe.reset();
    } catch {
      return r - start;
    }
  }
  return 0;
}
