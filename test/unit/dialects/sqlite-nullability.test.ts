/**
 * SQLite's NOT NULL origins, on a real in-memory database: better-sqlite3 reports a table column as
 * the origin of values that can be NULL (outer joins, unions, scalar subqueries, bare columns beside
 * an aggregate, views). Each guarded case first shows SQLite returning a NULL in a column whose
 * origin is declared NOT NULL, then that the column is reported nullable.
 */
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { notNullOrigins } from '../../../src/db/dialects/sqlite/not-null.js';

const db = new Database(':memory:');
db.exec(`
  CREATE TABLE clinics (code TEXT NOT NULL PRIMARY KEY, name TEXT NOT NULL, region TEXT);
  CREATE TABLE visits (id INTEGER PRIMARY KEY, clinic_code TEXT NOT NULL, note TEXT);
  INSERT INTO clinics VALUES ('C1', 'Bedok', 'East');
  INSERT INTO visits VALUES (1, 'C1', 'first'), (2, 'C9', NULL);
  CREATE VIEW visit_codes AS SELECT id, clinic_code FROM visits;
  CREATE VIEW visit_names AS SELECT v.id, c.name FROM visits v LEFT JOIN clinics c ON c.code = v.clinic_code;
  CREATE VIEW "visit names quoted" AS SELECT v.id, c.name FROM visits v LEFT JOIN clinics c ON c.code = v.clinic_code;
  CREATE VIEW nested_names AS SELECT * FROM visit_names;
`);
afterAll(() => db.close());

/** What the dialect's probe sees: the template wrapped, zero rows. */
const probe = (template: string) => `SELECT * FROM (${template}) q LIMIT 0`;

function described(template: string): Record<string, boolean> {
  const sql = probe(template);
  const meta = db.prepare(sql).columns();
  const notNull = notNullOrigins(db, sql, meta);
  return Object.fromEntries(meta.map((c, i) => [c.name, notNull[i]!]));
}

/** The template's rows contain a NULL in `column`, and SQLite names a NOT NULL table column as its origin in the probe. */
function nullBehindNotNullOrigin(template: string, column: string): void {
  const origin = db
    .prepare(probe(template))
    .columns()
    .find((c) => c.name === column)!;
  expect(origin.table, 'SQLite reports a table origin').not.toBeNull();
  const declared = db
    .prepare(`SELECT "notnull" AS nn FROM pragma_table_info(?) WHERE name = ?`)
    .get(origin.table, origin.column) as { nn: number };
  expect(declared.nn, 'the origin is declared NOT NULL').toBe(1);
  const values = (db.prepare(template).all() as Record<string, unknown>[]).map((r) => r[column]);
  expect(values, 'yet the result holds NULL').toContain(null);
}

describe('SQLite NOT NULL origins', () => {
  it('reports NOT NULL table columns non-nullable, and expressions and nullable columns nullable', () => {
    expect(described('SELECT id, clinic_code, note, upper(clinic_code) AS up FROM visits')).toEqual({
      // INTEGER PRIMARY KEY is not declared NOT NULL: only the configured primary key covers it.
      id: false,
      clinic_code: true,
      note: false,
      up: false,
    });
  });

  it('follows inner joins, predicate subqueries, CTEs and plain views', () => {
    expect(
      described(
        'SELECT v.clinic_code, c.name, c.region FROM visits v JOIN clinics c ON c.code = v.clinic_code',
      ),
    ).toEqual({ clinic_code: true, name: true, region: false });
    expect(
      described('SELECT clinic_code FROM visits WHERE clinic_code IN (SELECT code FROM clinics)'),
    ).toEqual({
      clinic_code: true,
    });
    expect(described('WITH x AS (SELECT clinic_code FROM visits) SELECT clinic_code FROM x')).toEqual({
      clinic_code: true,
    });
    expect(described('SELECT id, clinic_code FROM visit_codes')).toEqual({ id: false, clinic_code: true });
  });

  const guarded: [string, string, string][] = [
    [
      'an outer join',
      'SELECT v.id, c.name FROM visits v LEFT JOIN clinics c ON c.code = v.clinic_code',
      'name',
    ],
    // Wrapped in the probe, SQLite names the origin of the last branch (the name comes from the first).
    ['a union', 'SELECT note FROM visits UNION ALL SELECT name FROM clinics', 'note'],
    [
      'a scalar subquery',
      'SELECT v.id, (SELECT c.name FROM clinics c WHERE c.code = v.clinic_code) AS name FROM visits v',
      'name',
    ],
    [
      'a bare column beside an aggregate',
      `SELECT count(*) AS n, name FROM clinics WHERE code = 'none'`,
      'name',
    ],
    ['a view with an outer join', 'SELECT id, name FROM visit_names', 'name'],
    ['a quoted view name', 'SELECT id, name FROM "visit names quoted"', 'name'],
    ['a view over such a view', 'SELECT id, name FROM nested_names', 'name'],
  ];
  for (const [what, template, column] of guarded) {
    it(`reports every column nullable through ${what}`, () => {
      nullBehindNotNullOrigin(template, column);
      expect(Object.values(described(template))).not.toContain(true);
    });
  }
});
