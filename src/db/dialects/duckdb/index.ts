/**
 * A small DuckDB dialect for what validation needs over processed datasets (Parquet read by
 * read_parquet): exact canonical results, quoting, row limits and the SQL capabilities the check
 * queries read. It is not a connection client (knex has none for DuckDB, and moh-etl never extracts
 * from DuckDB): a session is opened over the files for one source's checks and closed after.
 */
import type { Dialect, DialectCapabilities, QueryResult } from '../../dialect.js';
import type { Row } from '../../../schema/column-types.js';
import type { DuckdbSession } from './session.js';
import { duckdbColumnType, duckdbConverter } from './types.js';

export { openDuckdbSession, withDuckdbSession, type DuckdbSession, type DuckdbSettings } from './session.js';

export interface DuckdbDialect extends Pick<Dialect, 'quoteIdentifier' | 'limitRows' | 'formatBinding'> {
  readonly name: 'duckdb';
  readonly capabilities: Pick<DialectCapabilities, 'countExpression' | 'dayExpression' | 'limitSyntax'> & {
    /** A regex match with search semantics over the text of `{}`, the pattern bound as `?` (RE2). */
    regexpMatch: string;
  };
  /** Run one SELECT and return canonical column types and exact values. */
  query(session: DuckdbSession, sql: string, bindings: readonly unknown[]): Promise<QueryResult>;
}

export const duckdbDialect: DuckdbDialect = {
  name: 'duckdb',
  capabilities: {
    countExpression: 'COUNT(*)',
    // With the session in UTC, a TIMESTAMPTZ's day is its UTC day, as in the source dialects.
    dayExpression: 'CAST({} AS DATE)',
    limitSyntax: 'limit',
    regexpMatch: 'regexp_matches(CAST({} AS VARCHAR), ?)',
  },

  async query(session, sql, bindings) {
    const res = await session.run(sql, bindings.map(bindValue));
    const columns = res.names.map((name, i) => ({
      name,
      type: duckdbColumnType(res.types[i]!),
      nullable: true,
    }));
    const convert = res.types.map(duckdbConverter);
    const rows: Row[] = res.rows.map((r) => r.map((v, i) => convert[i]!(v)));
    return { columns, rows };
  },

  // DuckDB casts a text parameter to the column's type in a comparison (DATE, TIMESTAMP,
  // TIMESTAMPTZ, DECIMAL), so canonical text binds as it is.
  formatBinding: (value) => value,
  limitRows: (sql, limit) => `${sql} LIMIT ${Math.trunc(limit)}`,
  quoteIdentifier: (name) => `"${name.replace(/"/g, '""')}"`,
};

/** Values as DuckDB binds them: no Date objects (canonical text instead), booleans as they are. */
function bindValue(v: unknown): unknown {
  if (v instanceof Date) throw new TypeError('Date objects are not bound; bind ISO text');
  return v;
}
