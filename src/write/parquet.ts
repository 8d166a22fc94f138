/**
 * Parquet with exact standard types (see parquet-columns.ts for the mapping), compressed with zstd
 * (default) or snappy. Rows are buffered into columnar builders and handed to parquet-rs
 * (parquet-wasm) through Arrow IPC in chunks of up to 65,536 rows; parquet-rs encodes them into
 * the row group in progress and writes it out every `row_group_rows` rows, through AtomicFile. Memory
 * holds one chunk of raw values and one row group of encoded, compressed pages: never the file.
 *
 * Encoding, compression and file writing run in the encoder thread (parquet-thread.ts) when its
 * compiled script is available, so they overlap with extraction on the second core; otherwise, and
 * with `{ thread: false }`, in the writing thread. Both produce the same bytes.
 */
import type { OutputConfig } from '../config/schema.js';
import { parquetSettings } from './parquet-options.js';
import type { ParquetSink, ParquetSinkJob } from './parquet-sink.js';
import { encoderThreadScript, ThreadParquetSink } from './parquet-thread.js';
import type { WriterSpec } from './writer.js';

export interface ParquetWriterOptions {
  /** Encode in the encoder thread (default: when its compiled script exists). */
  thread?: boolean;
}

export function parquetWriterSpec(options: ParquetWriterOptions = {}): WriterSpec {
  return {
    format: 'parquet',
    extension: 'parquet',
    capabilities: { typed: true, maxRowsPerPart: Number.MAX_SAFE_INTEGER, encodedRows: true },
    async open(path, columns, output: OutputConfig) {
      const settings = parquetSettings(output);
      const { ParquetPartWriter } = await import('./parquet-part.js');
      const job: ParquetSinkJob = {
        path,
        mode: Number.parseInt(output.file_mode, 8),
        settings,
        dictionaryColumns: columns
          .filter((c) => c.type.kind === 'string' || c.type.kind === 'json')
          .map((c) => c.name),
      };
      return new ParquetPartWriter(await openSink(job, options.thread), path, columns, settings);
    },
  };
}

async function openSink(job: ParquetSinkJob, thread: boolean | undefined): Promise<ParquetSink> {
  const script = thread === false ? undefined : encoderThreadScript();
  if (script) return ThreadParquetSink.open(script, job);
  if (thread) throw new Error('the Parquet encoder thread is not built (npm run build)');
  // parquet-wasm compiles its WebAssembly module on import: only load it here when needed.
  const { LocalParquetSink } = await import('./parquet-sink.js');
  return LocalParquetSink.open(job);
}

export const parquetWriter: WriterSpec = parquetWriterSpec();
