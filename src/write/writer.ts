/**
 * The Writer seam: a format is a spec (extension, capabilities) that opens a PartWriter for one
 * part file; a PartWriter lives open → write(batch)… → commit() | abort(). Writers take the
 * canonical column types from the batch and never infer types from JavaScript values.
 */
import type { ColumnSpec, RowBatch } from '../schema/column-types.js';
import type { OutputConfig, OutputFormat } from '../config/schema.js';

export interface WriterCapabilities {
  /** Keeps decimal, int64 and timestamp types in the file (Parquet), rather than as text (CSV). */
  typed: boolean;
  /** Rows a single part can hold (Excel: 1,048,575 data rows per sheet). */
  maxRowsPerPart: number;
  /** Writes a batch from the server's bytes (RowBatch.encoded) without decoding its rows. */
  encodedRows: boolean;
}

/** A committed, renamed, fsynced part file. */
export interface CommittedPart {
  path: string;
  rows: number;
  bytes: number;
  sha256: string;
}

export interface PartWriter {
  /** Bytes in the file so far; rows a writer still buffers (a Parquet row group) are not counted yet. */
  readonly bytes: number;
  write(batch: RowBatch): Promise<void>;
  /** Flush, fsync and rename into place; only then is the part visible. */
  commit(): Promise<CommittedPart>;
  /** Remove the temporary file; nothing becomes visible. */
  abort(): Promise<void>;
}

export interface WriterSpec {
  format: OutputFormat;
  extension: string;
  capabilities: WriterCapabilities;
  open(path: string, columns: ColumnSpec[], options: OutputConfig): Promise<PartWriter>;
}
