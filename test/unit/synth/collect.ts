/** Test helper: materialise a (small) synthetic run per table. */
import type { Row } from '../../../src/schema/column-types.js';
import type { SynthRun } from '../../../src/synth/run.js';
import { SOURCE_TABLES, TABLES, type SourceTable } from '../../../src/synth/tables.js';

export type Tables = Record<SourceTable, Row[]>;

export function collect(run: SynthRun): Tables {
  const out = Object.fromEntries(SOURCE_TABLES.map((t) => [t, [] as Row[]])) as Tables;
  for (const chunk of run) out[chunk.table].push(...chunk.rows);
  return out;
}

/** Column accessor by name. */
export function col(table: SourceTable, name: string): (row: Row) => Row[number] {
  const i = TABLES[table].columns.findIndex((c) => c.name === name);
  if (i < 0) throw new Error(`no column ${table}.${name}`);
  return (row) => row[i] ?? null;
}
