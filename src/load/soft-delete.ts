/**
 * Soft deletes: a source marks a row deleted in one of its columns instead of removing it. The load
 * removes such rows from the dataset (a merge drops the key; a full refresh leaves it out) and
 * counts them.
 */
import type { SoftDeleteConfig } from '../config/load-schema.js';
import type { ColumnSpec } from '../schema/column-types.js';
import { LoadRejected } from './errors.js';
import { ident, scalar } from './sql.js';

/** SQL of a BOOLEAN that is never NULL: whether the row in scope is marked deleted. */
export function deletedPredicate(
  config: SoftDeleteConfig | undefined,
  columns: readonly ColumnSpec[],
): string {
  if (!config) return 'FALSE';
  if (!columns.some((c) => c.name === config.column))
    throw new LoadRejected(`the soft-delete column ${config.column} is not a column of the increment`, {
      hint: 'fix load.sources.<source>.soft_delete.column',
    });
  const column = ident(config.column);
  // Without a value, any non-NULL marks the row (deleted_at); with one, equality (is_deleted = true).
  return config.value === undefined
    ? `(${column} IS NOT NULL)`
    : `coalesce(${column} = ${scalar(config.value)}, FALSE)`;
}
