/**
 * PII masking for failing-row samples: a report is read by more people than the extract, so patient
 * identities (NRIC, names, postal codes, date of birth, and whatever a source lists as pii_columns)
 * never appear in it. NULL stays NULL: whether a value was present is what a reader needs.
 */
import { piiColumns } from '../transform/pii-names.js';
import type { SampleRow } from './result.js';

export const MASK = '***';

export function masker(columns: Iterable<string>): (row: SampleRow) => SampleRow {
  const masked = new Set(columns);
  return (row) => {
    const out: SampleRow = {};
    for (const [k, v] of Object.entries(row)) out[k] = v !== null && masked.has(k) ? MASK : v;
    return out;
  };
}

/**
 * The columns masked in a source's samples: validation.mask_columns, the source's pii_columns, and
 * every column whose name the default PII list recognises (names, phones, addresses, emails,
 * identifiers, dates of birth, postal codes) — the same list the deidentified profile enforces, so
 * a PII column nobody declared is masked the same way in every source.
 */
export function maskedColumns(
  maskColumns: readonly string[],
  piiColumnNames: readonly string[],
  columnNames: readonly string[],
): string[] {
  return [...new Set([...maskColumns, ...piiColumns(piiColumnNames, columnNames)])];
}
