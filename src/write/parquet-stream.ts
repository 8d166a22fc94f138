/**
 * The parquet-rs encoder (parquet-wasm) as a push API: Arrow IPC record batches go in one at a time,
 * Parquet bytes come out through `sink` as row groups complete. parquet-wasm's
 * transformParquetStream pulls batches from a ReadableStream; ours has no buffer (highWaterMark 0),
 * so push() resolves only once the encoder has asked for the next batch, and the encoder in turn
 * waits for the sink (web-stream backpressure). At most one row group is in flight.
 *
 * parquet-wasm 0.8 ignores errors inside its write loop (they would yield a short file), so the
 * writer checks the finished file's footer row count (verifyParquetRows) before it is committed.
 */
import { openAsBlob } from 'node:fs';
import {
  Compression,
  ParquetFile,
  RecordBatch,
  Table,
  transformParquetStream,
  WriterPropertiesBuilder,
} from 'parquet-wasm';
import { VERSION } from '../version.js';
import type { ParquetSettings } from './parquet-options.js';

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
}
function deferred(): Deferred {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

export class ParquetEncoder {
  #controller: ReadableStreamDefaultController<RecordBatch> | undefined;
  #demand = deferred();
  #pump: Promise<void> | undefined;
  #closed = false;

  /** `dictionaryColumns`: the (text) columns worth dictionary encoding; see #start. */
  constructor(
    private readonly settings: ParquetSettings,
    private readonly dictionaryColumns: string[],
    private readonly sink: (chunk: Uint8Array) => Promise<void>,
  ) {}

  /** Encodes one record batch (Arrow IPC stream bytes); resolves when the encoder has taken it. */
  async push(ipc: Uint8Array): Promise<void> {
    const pump = (this.#pump ??= this.#start());
    const stopped = pump.then(() => {
      throw new Error('the Parquet encoder stopped before the end of the data');
    });
    stopped.catch(() => undefined);
    await Promise.race([this.#demand.promise, stopped]);
    this.#demand = deferred();
    // Decoded into WebAssembly memory only once the encoder wants it: WebAssembly memory never
    // shrinks, so a batch decoded early (while the previous one is encoded) raises it for good.
    const table = Table.fromIPCStream(ipc);
    let batch: RecordBatch | undefined;
    try {
      batch = table.recordBatch(0);
    } finally {
      table.free();
    }
    if (!batch) throw new Error('Arrow IPC stream without a record batch');
    this.#controller!.enqueue(batch);
  }

  /** Ends the data: the encoder writes the footer; resolves when the sink has every byte. */
  async close(): Promise<void> {
    if (!this.#pump) throw new Error('close() before any batch was pushed');
    this.#closed = true;
    this.#controller!.close();
    await this.#pump;
  }

  /** Stops encoding; the sink may still be called until the encoder notices. */
  abort(): void {
    if (this.#closed || !this.#controller) return;
    this.#closed = true;
    this.#controller.error(new Error('aborted'));
  }

  #start(): Promise<void> {
    const input = new ReadableStream<RecordBatch>(
      {
        start: (c) => void (this.#controller = c),
        pull: () => this.#demand.resolve(),
      },
      { highWaterMark: 0 },
    );
    // Dictionary encoding only for text: on ids, timestamps and amounts parquet-rs builds a dictionary,
    // overflows it and falls back, which measured twice the encoding time for a larger file.
    let builder = new WriterPropertiesBuilder()
      .setCompression(this.settings.compression === 'snappy' ? Compression.SNAPPY : Compression.ZSTD)
      .setMaxRowGroupSize(this.settings.rowGroupRows)
      .setMaxRowGroupBytes(this.settings.rowGroupBytes)
      .setDictionaryEnabled(false)
      .setCreatedBy(`moh-etl ${VERSION} (parquet-rs via parquet-wasm)`);
    for (const name of this.dictionaryColumns) builder = builder.setColumnDictionaryEnabled(name, true);
    const props = builder.build();
    const pump = (async () => {
      const output = (await transformParquetStream(input, props)) as ReadableStream<Uint8Array>;
      for await (const chunk of output as unknown as AsyncIterable<Uint8Array>) await this.sink(chunk);
    })();
    pump.catch(() => undefined); // observed by push() and close()
    return pump;
  }
}

/** The row count in a Parquet file's footer (reads only the footer). */
export async function parquetFooterRows(path: string): Promise<number> {
  const file = await ParquetFile.fromFile(await openAsBlob(path));
  try {
    const meta = file.metadata();
    const fileMeta = meta.fileMetadata();
    const rows = fileMeta.numRows();
    fileMeta.free();
    meta.free();
    return rows;
  } finally {
    file.free();
  }
}
