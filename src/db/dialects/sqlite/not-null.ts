/**
 * Which result columns SQLite guarantees are never NULL (QueryOptions.describeNullability).
 *
 * better-sqlite3's `columns()` names the table and column a result column comes from, and
 * `pragma_table_info` says whether that column is declared NOT NULL (which SQLite enforces). But
 * SQLite reports that origin far more eagerly than it is true of the values: through an outer join,
 * for a UNION (the origin of one branch), for a scalar subquery (NULL when it finds no row), for a
 * bare column beside an aggregate (NULL over no rows), and through a view, whose own SQL may do any
 * of these. So a statement with any construct that can add NULLs (nullSources), in its own text or
 * in the SQL of a view it may name, has every column nullable; otherwise a column is non-nullable
 * when its origin column is declared NOT NULL. A column declared only PRIMARY KEY is not counted:
 * SQLite lets NULL into a primary key that is not an INTEGER PRIMARY KEY (the configured primary
 * key is non-nullable anyway).
 */
import { words } from '../../../config/statement-check.js';
import { nullSources } from '../../dialect.js';

/** The slice of better-sqlite3 used here. */
export interface SqliteCatalog {
  prepare(sql: string): { all(...bindings: unknown[]): unknown[] };
}

/** Where a result column comes from (better-sqlite3 `columns()`); null for an expression. */
export interface ColumnOrigin {
  database?: string | null;
  table?: string | null;
  column?: string | null;
}

/** Per result column of `sql`: true when SQLite guarantees it is never NULL. */
export function notNullOrigins(db: SqliteCatalog, sql: string, origins: readonly ColumnOrigin[]): boolean[] {
  const tokens = [sql, ...viewsNamedIn(db, sql)].flatMap((text) => words(text));
  if (nullSources(tokens).size > 0) return origins.map(() => false);
  const declared = new Map<string, Set<string>>();
  const notNullIn = (database: string, table: string): Set<string> => {
    const key = `${database}\0${table}`;
    let names = declared.get(key);
    if (!names) {
      const rows = db
        .prepare(`SELECT name FROM pragma_table_info(?, ?) WHERE "notnull"`)
        .all(table, database) as { name: string }[];
      names = new Set(rows.map((r) => r.name.toLowerCase()));
      declared.set(key, names);
    }
    return names;
  };
  return origins.map(
    (o) =>
      !!o.database && !!o.table && !!o.column && notNullIn(o.database, o.table).has(o.column.toLowerCase()),
  );
}

/**
 * The SQL of every view whose name occurs in `sql` or in the SQL of a view already found. Matched
 * as text, case-insensitively, not as words: a quoted name ("my view") is no word to the lexer,
 * and a false match only makes columns nullable.
 */
function viewsNamedIn(db: SqliteCatalog, sql: string): string[] {
  const views = listViews(db);
  const found: string[] = [];
  const seen = new Set<string>();
  let text = sql.toLowerCase();
  for (let grew = true; grew;) {
    grew = false;
    for (const v of views) {
      if (seen.has(v.key) || !text.includes(v.name.toLowerCase())) continue;
      seen.add(v.key);
      found.push(v.sql);
      text += `\n${v.sql.toLowerCase()}`;
      grew = true;
    }
  }
  return found;
}

function listViews(db: SqliteCatalog): { key: string; name: string; sql: string }[] {
  const schemas = db.prepare('SELECT name FROM pragma_database_list').all() as { name: string }[];
  return schemas.flatMap(({ name: schema }) => {
    const master = schema === 'temp' ? 'sqlite_temp_master' : `"${schema.replace(/"/g, '""')}".sqlite_master`;
    const rows = db.prepare(`SELECT name, sql FROM ${master} WHERE type = 'view'`).all() as {
      name: string;
      sql: string | null;
    }[];
    return rows.map((r) => ({ key: `${schema}.${r.name}`, name: r.name, sql: r.sql ?? '' }));
  });
}
