/**
 * Where the set-level checks run: the slice of a dialect the check SQL needs, and a `query`
 * bound to one database. A source connection is one (increment scope, validate/source.ts); the
 * DuckDB session over a processed dataset is another (dataset scope, validate/dataset.ts). The
 * check SQL never asks which it is talking to.
 */
import type { SourceConnection } from '../../db/connection.js';
import type { Dialect, DialectCapabilities } from '../../db/dialect.js';
import type { ColumnSpec, Row } from '../../schema/column-types.js';

export interface CheckDialect {
  readonly name: string;
  readonly capabilities: Pick<DialectCapabilities, 'countExpression' | 'dayExpression'> & {
    /**
     * A boolean SQL expression: `{}` (a text expression) matches the bound regex (`?`), with
     * search semantics like JavaScript's `test`. Absent: patterns run over the streamed rows.
     */
    regexpMatch?: string;
  };
  quoteIdentifier(name: string): string;
  limitRows(sql: string, limit: number): string;
  formatBinding: Dialect['formatBinding'];
}

export interface CheckDatabase {
  readonly dialect: CheckDialect;
  /** Run one SELECT; canonical column types and exact values (schema/column-types.ts). */
  query(sql: string, bindings: readonly unknown[]): Promise<{ columns: ColumnSpec[]; rows: Row[] }>;
}

/** The source database of a connection, for increment-scope checks. */
export function sourceDatabase(conn: SourceConnection): CheckDatabase {
  return {
    dialect: conn.dialect,
    query: (sql, bindings) => conn.dialect.query(conn.knex, sql, bindings),
  };
}
