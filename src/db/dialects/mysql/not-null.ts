/**
 * Which result columns MySQL/MariaDB guarantees are never NULL (QueryOptions.describeNullability).
 *
 * The server computes each result column's nullability for the query itself and sends it as
 * NOT_NULL_FLAG in the column definition: a NOT NULL table column keeps the flag through derived
 * tables (our `SELECT * FROM (<template>) q`), CTEs and views, and loses it on the inner side of an
 * outer join, in a UNION whose other branch may be NULL, in a scalar subquery and beside an
 * aggregate over no rows (checked on MariaDB 10.11: test/integration/nullability.test.ts). One
 * exception: MariaDB flags the grouping column of `GROUP BY … WITH ROLLUP` NOT NULL although its
 * super-aggregate row holds NULL, so a statement with ROLLUP/CUBE/GROUPING has every column nullable.
 * Oracle's MySQL was not available to test; it computes the flag the same way.
 */
import { nullSources } from '../../dialect.js';
import type { MysqlField } from './types.js';

const NOT_NULL_FLAG = 1;

/** Per field of `sql`'s result: true when the server guarantees it is never NULL. */
export function notNullFlags(sql: string, fields: readonly MysqlField[]): boolean[] {
  const trusted = !nullSources(sql, true).has('grouping sets');
  return fields.map((f) => trusted && (f.flags & NOT_NULL_FLAG) !== 0);
}
