/**
 * DuckDB's errors without the data: some kinds quote the offending value ("Could not convert
 * string 'S1234567A' to INT32"), and a cell value must never reach a report, a log or an alert, so
 * those keep only their kind. Binder, catalog and I/O errors name columns and paths, and keep their
 * first line.
 */

/** Error kinds whose text can quote a value from the data. */
const VALUE_BEARING = new Set([
  'Conversion Error',
  'Invalid Input Error',
  'Constraint Error',
  'Out of Range Error',
  'Mismatch Type Error',
  'Type Error',
]);

/** The kind prefix of a DuckDB message ("IO Error: …" → "IO Error"). */
export function duckdbErrorKind(message: string): string | undefined {
  return /^([A-Z][A-Za-z ]*? Error):/.exec(message)?.[1];
}

export function duckdbFailure(e: unknown): Error {
  const message = e instanceof Error ? e.message : String(e);
  const kind = duckdbErrorKind(message);
  if (kind && VALUE_BEARING.has(kind))
    return new Error(`DuckDB ${kind} (its message can quote a value from the data and is not shown)`);
  return new Error(message.split('\n', 1)[0] ?? message, { cause: e });
}
