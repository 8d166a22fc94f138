/**
 * Whether an increment's columns fit the current version. A new column is fine: the version is
 * rewritten with it, NULL for the rows loaded before (every file must carry it, or a reader taking
 * the first file's schema would not see it). A column that went away or changed its stored type
 * is not: rows of two shapes cannot be one dataset, and only a full refresh rebuilds it.
 */
import type { ColumnSpec } from '../schema/column-types.js';
import { describeType } from '../schema/column-types.js';
import { SchemaChanged } from './errors.js';
import { duckdbType } from './sql.js';

export interface SchemaFit {
  /** The new version's columns: the increment's, nullable where either side was. */
  columns: ColumnSpec[];
  /** Columns the current version does not have. */
  added: string[];
}

export function fitSchema(
  source: string,
  current: readonly ColumnSpec[],
  next: readonly ColumnSpec[],
): SchemaFit {
  const hint = `run a full refresh of ${source} (moh-etl run --sources ${source} --mode full) to rebuild the dataset with the new columns`;
  const byName = new Map(next.map((c) => [c.name, c]));
  for (const old of current) {
    const now = byName.get(old.name);
    if (!now)
      throw new SchemaChanged(
        source,
        old.name,
        `column ${old.name} of dataset ${source} is missing from the increment`,
        {
          hint,
        },
      );
    // Types that are stored alike are the same to a reader (a timestamp(3) is written as micros too).
    if (duckdbType(now.type) !== duckdbType(old.type))
      throw new SchemaChanged(
        source,
        old.name,
        `column ${old.name} of dataset ${source} changed type: ${describeType(old.type)} in the dataset, ${describeType(now.type)} in the increment`,
        { hint },
      );
  }
  const known = new Set(current.map((c) => c.name));
  const previous = new Map(current.map((c) => [c.name, c]));
  return {
    columns: next.map((c) => ({ ...c, nullable: c.nullable || (previous.get(c.name)?.nullable ?? true) })),
    added: next.filter((c) => !known.has(c.name)).map((c) => c.name),
  };
}

/** A merge must use the dataset's own primary key: one row per key means nothing across two keys. */
export function checkSameKey(source: string, current: readonly string[], next: readonly string[]): void {
  if (current.join('\0') !== next.join('\0'))
    throw new SchemaChanged(
      source,
      next.join(', '),
      `the primary key of dataset ${source} is (${current.join(', ')}), the increment's is (${next.join(', ')})`,
      {
        hint: `run a full refresh of ${source} (moh-etl run --sources ${source} --mode full) to rebuild it on the new key`,
      },
    );
}
