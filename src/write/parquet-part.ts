/**
 * The Parquet part writer (see parquet.ts). Loaded on first use: apache-arrow and parquet-wasm (which
 * compiles its WebAssembly module on import) cost about 40 MB of memory that CSV-only runs never need.
 */
import { makeData, RecordBatch, Schema, Struct, Table, tableToIPC } from 'apache-arrow';
import { OutputError } from '../errors.js';
import type { ColumnSpec, RowBatch } from '../schema/column-types.js';
import type { AtomicFile } from './atomic.js';
import { columnBuilder, type ColumnBuilder } from './parquet-columns.js';
import type { ParquetSettings } from './parquet-options.js';
import { ParquetEncoder, parquetFooterRows } from './parquet-stream.js';
import { ValueError } from './parquet-values.js';
import type { CommittedPart, PartWriter } from './writer.js';

/**
 * Rows per hand-over to the encoder (fewer when row_group_rows is smaller). Measured on synthetic
 * attendances: 131,072 (a whole default row group) peaked at 46 MB of WebAssembly memory, 65,536 at
 * 32 MB with the same file; 16,384 used 25 MB but compressed timestamps worse (file 17% larger).
 */
const CHUNK_ROWS = 65_536;
/** A chunk is handed over early when its values reach this many bytes (wide text, blobs). */
const CHUNK_BYTES = 16 * 1024 * 1024;

export class ParquetPartWriter implements PartWriter {
  readonly #builders: ColumnBuilder[];
  readonly #schema: Schema;
  readonly #encoder: ParquetEncoder;
  /** Rows in the chunk being built, and rows already handed to the encoder. */
  #buffered = 0;
  #flushed = 0;
  #failed: unknown;

  constructor(
    private readonly file: AtomicFile,
    private readonly columns: ColumnSpec[],
    private readonly settings: ParquetSettings,
  ) {
    this.#builders = columns.map(columnBuilder);
    this.#schema = new Schema(this.#builders.map((b) => b.field));
    const text = columns.filter((c) => c.type.kind === 'string' || c.type.kind === 'json').map((c) => c.name);
    this.#encoder = new ParquetEncoder(settings, text, (chunk) => file.write(chunk));
  }

  async write(batch: RowBatch): Promise<void> {
    this.#check();
    const rows = batch.rows;
    const chunkRows = Math.min(CHUNK_ROWS, this.settings.rowGroupRows);
    for (let start = 0; start < rows.length;) {
      const end = Math.min(rows.length, start + chunkRows - this.#buffered);
      this.#append(batch, start, end);
      this.#buffered += end - start;
      start = end;
      if (this.#buffered >= chunkRows || this.#bytes() >= CHUNK_BYTES) await this.#flush();
    }
  }

  async commit(): Promise<CommittedPart> {
    this.#check();
    try {
      if (this.#buffered > 0 || this.#flushed === 0) await this.#flush();
      await this.#encoder.close();
      const footer = await parquetFooterRows(this.file.tempPath);
      if (footer !== this.#flushed)
        throw new OutputError(
          `${this.file.finalPath}: the Parquet footer says ${footer} rows, ${this.#flushed} were written`,
        );
    } catch (e) {
      this.#failed = e;
      throw e instanceof OutputError
        ? e
        : new OutputError(`${this.file.finalPath}: ${(e as Error).message}`, { cause: e });
    }
    return this.file.commit(this.#flushed);
  }

  async abort(): Promise<void> {
    this.#failed ??= new Error('aborted');
    this.#encoder.abort();
    await this.file.abort();
  }

  #check(): void {
    if (this.#failed !== undefined)
      throw new OutputError(`${this.file.finalPath}: the Parquet writer failed earlier`, {
        cause: this.#failed,
      });
  }

  #append(batch: RowBatch, start: number, end: number): void {
    for (let c = 0; c < this.#builders.length; c++) {
      try {
        this.#builders[c]!.append(batch.rows, start, end, c, this.#buffered);
      } catch (e) {
        if (!(e instanceof ValueError)) throw e;
        const row = this.#flushed + this.#buffered + firstBad(batch, start, end, c, this.columns[c]!);
        this.#failed = e;
        throw new OutputError(
          `${this.file.finalPath}: column "${this.columns[c]!.name}" (${this.columns[c]!.type.kind}), row ${row + 1} of the part: ${e.message}`,
          {
            cause: e,
            hint: 'Parquet keeps values exact and never rounds; fix the value or cast it in the query',
          },
        );
      }
    }
  }

  #bytes(): number {
    let n = 0;
    for (const b of this.#builders) n += b.bytes(this.#buffered);
    return n;
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
      await this.#encoder.push(ipc);
    } catch (e) {
      this.#failed = e;
      throw new OutputError(`${this.file.finalPath}: ${(e as Error).message}`, { cause: e });
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
