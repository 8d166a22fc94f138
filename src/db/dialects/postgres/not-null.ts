/**
 * Which result columns PostgreSQL guarantees are never NULL (QueryOptions.describeNullability).
 *
 * RowDescription names, for each column that comes straight from a table column, the table's oid
 * and the column's attnum (0 for an expression; through views, subqueries and CTEs the parser
 * traces the origin, stopping at a view, whose columns are never NOT NULL). One catalog query then
 * reads pg_attribute.attnotnull for those, with bound parameters.
 *
 * What the catalog cannot see, and how it is handled:
 * - RowDescription names the table even on the NULL-extended side of an outer join: the tables
 *   there (outer-joins.ts) are never trusted, and when the statement cannot be read for them,
 *   no column is. It also names the table for the grouping columns of ROLLUP/CUBE/GROUPING SETS,
 *   NULL in the super-aggregate rows: a statement with one of those has every column nullable.
 *   Set operations and scalar subqueries need nothing: PostgreSQL names no origin for them.
 * - Not every attnotnull is a guarantee: a foreign table's NOT NULL is not enforced, a NOT VALID
 *   not-null constraint (PostgreSQL 18) leaves old rows unchecked, and a query on an inheritance
 *   parent reads its children, which could drop the constraint before PostgreSQL 18. So the column
 *   must be NOT NULL, validated, in an ordinary or partitioned table, and in every descendant.
 */
import { errorCode, nullSources } from '../../dialect.js';
import type { PgField } from './batch-query.js';
import { outerJoinedTables } from './outer-joins.js';

/** The slice of pg.Client used here. */
export interface PgCatalogClient {
  query(text: string, values: unknown[]): Promise<{ rows: { rel: string; att: string }[] }>;
}

/** The indexes of `fields` (the result of `sql`) that are never NULL. */
export async function notNullFields(
  client: PgCatalogClient,
  sql: string,
  fields: readonly PgField[],
): Promise<Set<number>> {
  const sources = nullSources(sql);
  const nullSide = sources.has('outer join') ? outerJoinedTables(sql) : new Set<string>();
  const origins = fields.filter((f) => (f.tableID ?? 0) > 0 && (f.columnID ?? 0) > 0);
  if (origins.length === 0 || !nullSide || sources.has('grouping sets')) return new Set();
  let rows: { rel: string; att: string }[];
  try {
    ({ rows } = await client.query(NOT_NULL_SQL, [
      origins.map((f) => f.tableID),
      origins.map((f) => f.columnID),
      [...nullSide],
    ]));
  } catch (e) {
    // A server that speaks the protocol without these catalogs or functions (a PostgreSQL-compatible
    // product): cannot tell, so nullable. Inside BEGIN READ ONLY the failed statement aborts the
    // transaction, and the COMMIT that follows ends it as a rollback, which a SELECT does not mind.
    // Anything else (a lost connection, a timeout) is the probe's failure, as for the probe itself.
    if (/^(42|0A)/.test(errorCode(e) ?? '')) return new Set();
    throw e;
  }
  const notNull = new Set(rows.map((r) => `${r.rel}:${r.att}`));
  const indexes = new Set<number>();
  fields.forEach((f, i) => {
    if (notNull.has(`${f.tableID ?? 0}:${f.columnID ?? 0}`)) indexes.add(i);
  });
  return indexes;
}

/**
 * The (table oid, attnum) pairs among $1/$2, in a table not named (case-insensitively) in $3, that
 * are NOT NULL in the table and in every table that inherits from it (a partition or an inheritance
 * child, matched by column name), each an ordinary or partitioned table whose not-null constraint,
 * if the catalog records one (PostgreSQL 18), is validated.
 */
const NOT_NULL_SQL = `WITH RECURSIVE origin AS (
  SELECT DISTINCT o.rel, o.att, a.attname
    FROM unnest($1::oid[], $2::int2[]) AS o(rel, att)
    JOIN pg_attribute a ON a.attrelid = o.rel AND a.attnum = o.att
    JOIN pg_class r ON r.oid = o.rel
   WHERE lower(r.relname) <> ALL ($3::text[])
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
