/**
 * The high-water mark: an upper bound on the cursor column, frozen when a run starts, taken from
 * the database's clock (not ours) minus the settle lag. A row committed a little after its
 * `updated_at` was stamped (a long transaction) is then still ahead of the bound, and the next
 * run catches it, instead of falling behind a watermark that has already passed it.
 * For a cursor that is not a time (a sequence, a rowversion), the bound is MAX(cursor) at start.
 */
import type { SourceConnection } from '../db/connection.js';
import type { ColumnType } from '../schema/column-types.js';
import type { SqlFragment } from './keyset.js';
import type { StoredValue } from './state.js';
import { localDateTime } from './date-range.js';

export async function highWaterMark(
  conn: SourceConnection,
  template: SqlFragment,
  cursor: string,
  type: ColumnType,
  settleLagMs: number,
  timeZone: string,
): Promise<StoredValue> {
  const { dialect, knex } = conn;
  if (type.kind === 'timestamp' || type.kind === 'date') {
    const res = await dialect.query(knex, dialect.clockSql, []);
    const now = Date.parse(String(res.rows[0]?.[0]));
    if (Number.isNaN(now))
      throw new Error(`cannot read the database clock (got ${String(res.rows[0]?.[0])})`);
    const bound = new Date(now - settleLagMs);
    if (type.kind === 'date') return localDateTime(bound, timeZone).slice(0, 10);
    const text =
      type.tz === 'utc'
        ? `${bound.toISOString().slice(0, 23)}000Z`
        : `${localDateTime(bound, timeZone)}.${String(bound.getUTCMilliseconds()).padStart(3, '0')}000`;
    return dialect.formatBinding(text, type) as StoredValue;
  }
  const q = `SELECT MAX(q.${dialect.quoteIdentifier(cursor)}) AS m FROM (${template.sql}) q`;
  const res = await dialect.query(knex, q, template.bindings, {});
  const max = res.rows[0]?.[0];
  return max === undefined || max instanceof Uint8Array ? null : max;
}
