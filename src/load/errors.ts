/**
 * Errors of the load step. Like src/errors.ts, each says whether retrying can help and what to do;
 * none carries a cell value (a key or a partition value can be a patient identifier). A full disk
 * is an `OutputError` from src/errors.ts (see engine-errors.ts).
 */
import { ExitCode, MohEtlError, type MohEtlErrorOptions } from '../errors.js';

/** Another process is loading the same dataset; retry once it has finished. */
export class DatasetBusy extends MohEtlError {
  readonly code = 'DATASET_BUSY';
  readonly exitCode = ExitCode.RunFailure;
}

/**
 * The current version cannot be trusted: its metadata is missing or unreadable, a file it lists is
 * missing or has another size, or the `<directory>/<source>` link is not one the store made.
 */
export class DatasetCorrupt extends MohEtlError {
  readonly code = 'DATASET_CORRUPT';
  readonly exitCode = ExitCode.RunFailure;
  readonly source: string;

  constructor(source: string, message: string, options: MohEtlErrorOptions = {}) {
    super(message, options);
    this.source = source;
  }
}

/** An increment's columns do not fit the current version (a type changed, a column went away). */
export class SchemaChanged extends MohEtlError {
  readonly code = 'DATASET_SCHEMA_CHANGED';
  readonly exitCode = ExitCode.RunFailure;
  readonly source: string;
  readonly column: string;

  constructor(source: string, column: string, message: string, options: MohEtlErrorOptions = {}) {
    super(message, options);
    this.source = source;
    this.column = column;
  }
}

/**
 * The increment cannot be loaded as given: a staged file is missing or lacks a column, a key column
 * is NULL, the request names a column the files do not have. Retrying the same input cannot help.
 */
export class LoadRejected extends MohEtlError {
  readonly code = 'LOAD_REJECTED';
  readonly exitCode = ExitCode.RunFailure;
}

/** The engine failed for another reason (out of memory, an I/O error other than a full disk). */
export class LoadFailed extends MohEtlError {
  readonly code = 'LOAD_FAILED';
  readonly exitCode = ExitCode.RunFailure;
}

/**
 * The engine ran out of memory at its limit. A load sized below load.memory_limit by the budget
 * runs again at load.memory_limit (memory-budget.ts); at load.memory_limit it is the user's to raise.
 */
export class LoadOutOfMemory extends LoadFailed {}
