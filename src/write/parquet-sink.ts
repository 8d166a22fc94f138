/**
 * Everything a Parquet part does after its column buffers are filled: parquet-rs encoding and
 * compression, the temporary file, its hash and the commit. The part writer (parquet-part.ts) fills
 * Arrow buffers from rows and hands each chunk over as Arrow IPC bytes; the sink runs here, in this
 * thread (LocalParquetSink), or in the encoder thread (parquet-thread.ts), which hosts the same class.
 */
import { OutputError } from '../errors.js';
import { AtomicFile } from './atomic.js';
import type { ParquetSettings } from './parquet-options.js';
import { ParquetEncoder, parquetFooterRows } from './parquet-stream.js';
import type { CommittedPart } from './writer.js';

export interface ParquetSink {
  /** Bytes in the temporary file so far. */
  readonly bytes: number;
  /** Hands one chunk (Arrow IPC stream bytes) to the encoder; resolves when it has been taken. */
  push(ipc: Uint8Array): Promise<void>;
  /** Writes the footer, checks it names `rows` rows, then fsyncs and renames the file into place. */
  commit(rows: number): Promise<CommittedPart>;
  /** Stops encoding and removes the temporary file. */
  abort(): Promise<void>;
}

/** What opening a sink needs; plain data, so it can be posted to the encoder thread. */
export interface ParquetSinkJob {
  path: string;
  mode: number;
  settings: ParquetSettings;
  /** Text columns worth dictionary encoding (see ParquetEncoder). */
  dictionaryColumns: string[];
}

export class LocalParquetSink implements ParquetSink {
  readonly #encoder: ParquetEncoder;

  private constructor(
    private readonly file: AtomicFile,
    job: ParquetSinkJob,
  ) {
    this.#encoder = new ParquetEncoder(job.settings, job.dictionaryColumns, (chunk) => file.write(chunk));
  }

  static async open(job: ParquetSinkJob): Promise<LocalParquetSink> {
    return new LocalParquetSink(await AtomicFile.create(job.path, job.mode), job);
  }

  get tempPath(): string {
    return this.file.tempPath;
  }

  get bytes(): number {
    return this.file.bytes;
  }

  push(ipc: Uint8Array): Promise<void> {
    return this.#encoder.push(ipc);
  }

  async commit(rows: number): Promise<CommittedPart> {
    await this.#encoder.close();
    const footer = await parquetFooterRows(this.file.tempPath);
    if (footer !== rows)
      throw new OutputError(
        `${this.file.finalPath}: the Parquet footer says ${footer} rows, ${rows} were written`,
      );
    return this.file.commit(rows);
  }

  async abort(): Promise<void> {
    this.#encoder.abort();
    await this.file.abort();
  }
}
