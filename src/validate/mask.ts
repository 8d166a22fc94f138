/**
 * PII masking for failing-row samples: a report is read by more people than the extract, so patient
 * identities (NRIC, names, postal codes, date of birth, and whatever a source lists as pii_columns)
 * never appear in it. NULL stays NULL: whether a value was present is what a reader needs.
 */
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
