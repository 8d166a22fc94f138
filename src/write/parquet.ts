/**
 * Parquet with exact standard types (see parquet-columns.ts for the mapping), compressed with zstd
 * (default) or snappy. Rows are buffered into columnar builders and handed to parquet-rs
 * (parquet-wasm) through Arrow IPC in chunks of up to 65,536 rows; parquet-rs encodes them into
 * the row group in progress and writes it out every `row_group_rows` rows, through AtomicFile. Memory
 * holds one chunk of raw values and one row group of encoded, compressed pages: never the file.
 */
import type { OutputConfig } from '../config/schema.js';
import { AtomicFile } from './atomic.js';
import { parquetSettings } from './parquet-options.js';
import type { WriterSpec } from './writer.js';

export const parquetWriter: WriterSpec = {
  format: 'parquet',
  extension: 'parquet',
  capabilities: { typed: true, maxRowsPerPart: Number.MAX_SAFE_INTEGER },
  async open(path, columns, options: OutputConfig) {
    const settings = parquetSettings(options);
    const { ParquetPartWriter } = await import('./parquet-part.js');
    const file = await AtomicFile.create(path, Number.parseInt(options.file_mode, 8));
    return new ParquetPartWriter(file, columns, settings);
  },
};
