/**
 * Parquet settings under `output.parquet` in database.yml (declared in config/schema.ts). Checked
 * again here because library callers may pass an OutputConfig that never went through the schema.
 *
 *   output.parquet.compression     zstd (default) | snappy
 *   output.parquet.row_group_rows  rows per row group (default 131072): the writer holds about one
 *                                  row group in memory
 */
import type { OutputConfig } from '../config/schema.js';
import { UsageError } from '../errors.js';

export const PARQUET_COMPRESSIONS = ['zstd', 'snappy'] as const;
export type ParquetCompression = (typeof PARQUET_COMPRESSIONS)[number];

export interface ParquetSettings {
  compression: ParquetCompression;
  rowGroupRows: number;
  /** parquet-rs also closes a row group when its buffered data reach this many bytes (wide text, blobs). */
  rowGroupBytes: number;
}

export const PARQUET_DEFAULTS: ParquetSettings = {
  compression: 'zstd',
  rowGroupRows: 131_072,
  rowGroupBytes: 128 * 1024 * 1024,
};

export function parquetSettings(output: OutputConfig): ParquetSettings {
  // Partial configs (library callers, tests) may omit the section: take the defaults.
  const p = (output as Partial<OutputConfig>).parquet;
  const compression = p?.compression ?? PARQUET_DEFAULTS.compression;
  if (!PARQUET_COMPRESSIONS.includes(compression))
    throw new UsageError(
      `output.parquet.compression: expected ${PARQUET_COMPRESSIONS.join(' or ')}, got ${JSON.stringify(compression)}`,
    );
  const rows = p?.row_group_rows ?? PARQUET_DEFAULTS.rowGroupRows;
  if (!Number.isInteger(rows) || rows < 1 || rows > 100_000_000)
    throw new UsageError(
      `output.parquet.row_group_rows: expected an integer from 1 to 100000000, got ${JSON.stringify(rows)}`,
    );
  return { compression, rowGroupRows: rows, rowGroupBytes: PARQUET_DEFAULTS.rowGroupBytes };
}
