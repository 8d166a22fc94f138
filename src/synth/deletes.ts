/**
 * Hard deletes on each open day of an advance: a deterministic sample of recent prescriptions
 * (cancelled) and lab results (entered in error) disappears. Only leaf tables lose rows: no table
 * refers to medications or lab_results (see tables.ts), so no reference breaks. The sample is
 * drawn from about the last {@link RECENT_DAYS} days of ids, not only the latest day, so an
 * extraction that already delivered a row can see it vanish later.
 */
import type { AdvanceDay, ChangeCounts } from './changes.js';
import { quoteIdent } from './ddl.js';
import type { NextIds } from './encounters.js';
import { attendanceCount, WEEKDAY_ATTENDANCES } from './generator.js';
import { Rng, sampleDistinct } from './prng.js';
import type { SourceTable } from './tables.js';

/** Share of a day's volume deleted per table. */
export const DELETE_RATE = 0.005;
/** Deletes pick from about this many weekdays of the most recent ids. */
export const RECENT_DAYS = 3;

interface LeafTable {
  table: SourceTable;
  key: keyof NextIds;
  /** Rows per attendance (measured on the generator: `generate({ seed: 42, scale: 0.2, days: 14 })`). */
  perAttendance: number;
}

/** The tables that lose rows; nothing references them. */
export const DELETABLE: readonly LeafTable[] = [
  { table: 'medications', key: 'medication_id', perAttendance: 1.66 },
  { table: 'lab_results', key: 'lab_result_id', perAttendance: 1.0 },
];

export async function deleteRows(a: AdvanceDay, tally: ChangeCounts): Promise<void> {
  const { store, seed, scale } = a;
  const volume = attendanceCount(seed, a.day, scale);
  if (volume === 0) return;
  const rng = Rng.of(seed, 'deletes', a.index);
  const q = (n: string): string => quoteIdent(store.dialect, n);
  for (const leaf of DELETABLE) {
    const k = Math.max(1, Math.round(volume * leaf.perAttendance * DELETE_RATE));
    const hi = a.ids[leaf.key] - 1;
    const span = Math.round(RECENT_DAYS * WEEKDAY_ATTENDANCES * scale * leaf.perAttendance);
    const ids = sampleDistinct(rng, Math.max(1, hi - span), hi, k);
    if (ids.length === 0) continue;
    // A sampled id deleted on an earlier day matches nothing: the tally counts rows actually gone.
    tally.deleted[leaf.table] += await store.run(
      `DELETE FROM ${q(leaf.table)} WHERE ${q(leaf.key)} IN (${ids.map((_, i) => store.param(i + 1)).join(', ')})`,
      ids,
    );
  }
}
