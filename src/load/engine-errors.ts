/**
 * DuckDB's errors in the house's terms. DuckDB puts the offending value into some messages
 * ("Could not convert string 'S1234567A' to INT32"), and a cell value must never reach a log or an
 * alert, so those kinds keep only their kind; I/O, memory and SQL (binder) errors name paths,
 * sizes and columns, and keep their text.
 */
import { OutputError } from '../errors.js';
import type { EngineSettings } from './engine.js';
import { LoadFailed, LoadOutOfMemory } from './errors.js';

/** Error kinds whose text can quote a value from the data. */
const VALUE_BEARING = new Set([
  'Conversion Error',
  'Invalid Input Error',
  'Constraint Error',
  'Out of Range Error',
  'Mismatch Type Error',
  'Type Error',
]);

const FULL_DISK = /no space left on device|disk quota exceeded|could not extend file/i;

/** The kind prefix of a DuckDB message ("IO Error: …" → "IO Error"). */
export function engineErrorKind(message: string): string | undefined {
  return /^([A-Z][A-Za-z ]*? Error):/.exec(message)?.[1];
}

export function engineFailure(e: unknown, settings: Pick<EngineSettings, 'memoryLimit' | 'tempDirectory'>) {
  const message = e instanceof Error ? e.message : String(e);
  const kind = engineErrorKind(message);
  if (FULL_DISK.test(message))
    return new OutputError(`no space left on device writing ${settings.tempDirectory} or the dataset`, {
      hint: 'free space on the disk holding load.archive_directory (or lower load.keep_versions); the load runs again from the start',
    });
  if (kind === 'Out of Memory Error')
    return new LoadOutOfMemory(
      `the load engine ran out of memory at ${settings.memoryLimit} (load.memory_limit, or less to fit load.memory_budget)`,
      {
        hint: 'raise load.memory_budget (its limit then stays nearer load.memory_limit), raise load.memory_limit or lower load.threads; spill files go to the disk of load.archive_directory',
      },
    );
  if (kind && VALUE_BEARING.has(kind))
    return new LoadFailed(`the load engine rejected a value (${kind}; the value is not shown)`, {
      hint: 'the staged files do not match their declared column types: re-run the extraction of this source',
    });
  return new LoadFailed(`the load engine failed: ${firstLine(message)}`, { cause: e });
}

const firstLine = (s: string): string => s.split('\n', 1)[0] ?? s;
