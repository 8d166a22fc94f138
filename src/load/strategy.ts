/**
 * A load kind is a strategy in a registry, like the writers: `merge` folds an increment into the
 * current version, `replace` writes a full extraction as the whole new version. Both write their
 * files with the engine into a fresh directory and say which files of the current version the new
 * one keeps unchanged; assembling, committing and switching the version is the store's job.
 */
import type { Engine } from './engine.js';
import type { IncrementShape } from './increment.js';
import type { LoadKind, LoadRequest } from './types.js';
import type { LoadCounts, VersionFile, VersionMeta } from './version.js';

export interface WriteSettings {
  /** Target rows per file of an unpartitioned dataset (load.file_rows). */
  fileRows: number;
  /** zstd level (load.compression_level). */
  compressionLevel: number;
}

export interface WriteContext {
  engine: Engine;
  request: LoadRequest;
  /** The new version's columns (fitted to the current version's), keys, cursor, partitioning. */
  shape: IncrementShape;
  /** The current version, when there is one. */
  parent: { meta: VersionMeta; dir: string } | undefined;
  /** Columns the current version lacks: its rows get NULL there. */
  added: readonly string[];
  /**
   * Merge: rewrite every file of the current version (a column was added, so every file must carry
   * it; or the partitioning changed, so every file must move).
   */
  rewriteAll: boolean;
  /** The directory the engine writes into; it does not exist yet. */
  out: string;
  settings: WriteSettings;
}

export interface WriteOutcome {
  counts: LoadCounts;
  /** Files of the current version carried into the new one unchanged (hard-linked). */
  kept: VersionFile[];
  /** Files the engine wrote, absolute paths under `out`. */
  written: string[];
  rowsWritten: number;
}

export interface LoadStrategy {
  readonly kind: LoadKind;
  write(ctx: WriteContext): Promise<WriteOutcome>;
}
