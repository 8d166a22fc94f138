/**
 * Which result columns PostgreSQL guarantees are never NULL (QueryOptions.describeNullability).
 *
 * RowDescription names, for each column that comes straight from a table column, the table's oid
 * and the column's attnum (0 for an expression; through views, subqueries and CTEs the parser
 * traces the origin, stopping at a view, whose columns are never NOT NULL). One catalog query then
 * reads pg_attribute.attnotnull for those, with bound parameters.
 *
 * What the catalog cannot see, and how it is handled:
 * - RowDescription names the table even for the inner side of an outer join, and for the grouping
 *   columns of ROLLUP/CUBE/GROUPING SETS, whose values are NULL in some rows: a statement with one
 *   of those (anywhere, see nullSources) has every column nullable. Set operations and scalar
 *   subqueries need nothing: PostgreSQL reports no origin for their columns.
 * - Not every attnotnull is a guarantee: a foreign table's NOT NULL is not enforced, a NOT VALID
 *   not-null constraint (PostgreSQL 18) leaves old rows unchecked, and a query on an inheritance
 *   parent reads its children, which could drop the constraint before PostgreSQL 18. So the column
 *   must be NOT NULL, validated, in an ordinary or partitioned table, and in every descendant.
 */
import { nullSources } from '../../dialect.js';
import type { PgField } from './batch-query.js';

/** The slice of pg.Client used here. */
export interface PgCatalogClient {
  query(text: string, values: unknown[]): Promise<{ rows: { rel: string; att: string }[] }>;
}

/** The constructs whose NULLs RowDescription does not reveal. */
const UNSEEN = ['outer join', 'grouping sets'] as const;

/** The indexes of `fields` (the result of `sql`) that are never NULL. */
export async function notNullFields(
  client: PgCatalogClient,
  sql: string,
  fields: readonly PgField[],
): Promise<Set<number>> {
  const sources = nullSources(sql);
  const origins = fields.filter((f) => (f.tableID ?? 0) > 0 && (f.columnID ?? 0) > 0);
  if (origins.length === 0 || UNSEEN.some((s) => sources.has(s))) return new Set();
  const { rows } = await client.query(NOT_NULL_SQL, [
    origins.map((f) => f.tableID),
    origins.map((f) => f.columnID),
  ]);
  const notNull = new Set(rows.map((r) => `${r.rel}:${r.att}`));
  const indexes = new Set<number>();
  fields.forEach((f, i) => {
    if (notNull.has(`${f.tableID ?? 0}:${f.columnID ?? 0}`)) indexes.add(i);
  });
  return indexes;
}

/**
 * The (table oid, attnum) pairs among $1/$2 that are NOT NULL in the table and in every table that
 * inherits from it (a partition or an inheritance child, matched by column name), each an ordinary
 * or partitioned table whose not-null constraint, if the catalog records one, is validated.
 */
const NOT_NULL_SQL = `WITH RECURSIVE origin AS (
  SELECT DISTINCT o.rel, o.att, a.attname
    FROM unnest($1::oid[], $2::int2[]) AS o(rel, att)
    JOIN pg_attribute a ON a.attrelid = o.rel AND a.attnum = o.att
), tree AS (
  SELECT rel, att, attname, rel AS member FROM origin
  UNION ALL
  SELECT t.rel, t.att, t.attname, i.inhrelid FROM tree t JOIN pg_inherits i ON i.inhparent = t.member
)
SELECT t.rel::text AS rel, t.att::text AS att
  FROM tree t
  LEFT JOIN pg_class c ON c.oid = t.member
  LEFT JOIN pg_attribute a ON a.attrelid = t.member AND a.attname = t.attname AND NOT a.attisdropped
 GROUP BY t.rel, t.att
HAVING bool_and(coalesce(
  a.attnotnull
  AND c.relkind IN ('r', 'p')
  AND NOT EXISTS (
    SELECT 1 FROM pg_constraint n
     WHERE n.conrelid = t.member AND n.contype = 'n' AND NOT n.convalidated AND a.attnum = ANY (n.conkey)),
  false))`;
