/**
 * Column nullability from the source: a column is non-nullable exactly when the database guarantees
 * it (a table column declared NOT NULL, reached without a construct that can add NULLs) or it is
 * part of the configured primary key. The plan says so, the Parquet schema (read by DuckDB) has
 * REQUIRED for exactly those columns, and the manifest agrees. A NOT NULL column on the inner side
 * of an outer join holds NULL in the result: the run must still succeed.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import type { LoadedConfig } from '../../src/config/load.js';
import { openConnection, type SourceConnection } from '../../src/db/connection.js';
import { planSource, sourceRequest } from '../../src/extract/plan.js';
import { silentLogger } from '../../src/observe/logger.js';
import { runExtract } from '../../src/pipeline/extract-step.js';
import { SOURCE_TABLES, TABLES, type SourceTable } from '../../src/synth/index.js';
import type { Manifest } from '../../src/write/layout.js';
import { describeEachDialect, tempDir, type DbConnection, type DialectName } from '../helpers/databases.js';
import { loadDemo, projectFor } from '../helpers/demo-source.js';
import { execSql } from '../helpers/exec-sql.js';
import { runDirectories, writeTableProject, type TableSource } from '../helpers/project.js';
import { openClient } from '../helpers/sql.js';
import { sqlString, withDuckDb } from '../unit/write/readers.js';

const SETUP = [
  'CREATE TABLE clinics (code VARCHAR(10) NOT NULL PRIMARY KEY, name VARCHAR(40) NOT NULL, region VARCHAR(20))',
  'CREATE TABLE visits (id BIGINT NOT NULL PRIMARY KEY, clinic_code VARCHAR(10) NOT NULL, seen_on DATE NOT NULL, note VARCHAR(40), fee DECIMAL(8,2))',
  `INSERT INTO clinics (code, name, region) VALUES ('C1', 'Bedok', 'East'), ('C2', 'Jurong', NULL)`,
  `INSERT INTO visits (id, clinic_code, seen_on, note, fee) VALUES
     (1, 'C1', '2025-01-02', 'first', 12.50), (2, 'C2', '2025-01-03', NULL, NULL),
     (3, 'C9', '2025-01-04', 'no such clinic', NULL)`,
  'CREATE VIEW visit_codes AS SELECT id, clinic_code FROM visits',
  'CREATE VIEW visit_names AS SELECT v.id, c.name FROM visits v LEFT JOIN clinics c ON c.code = v.clinic_code',
];

/** The same on every dialect, or per dialect (a dialect left out does not run the case). */
type Expectation<T> = { all: T } | Partial<Record<DialectName, T>>;
const forDialect = <T>(e: Expectation<T>, d: DialectName): T | undefined => ('all' in e ? e.all : e[d]);

/** Sources extracted to Parquet, with each column's nullability (false: REQUIRED). */
const EXTRACTED: Record<string, { source: TableSource; nullable: Expectation<Record<string, boolean>> }> = {
  visits: {
    source: {
      sql: 'SELECT id, clinic_code, seen_on, note, fee, UPPER(clinic_code) AS code_upper FROM visits',
      primary_key: ['id'],
    },
    nullable: {
      all: { id: false, clinic_code: false, seen_on: false, note: true, fee: true, code_upper: true },
    },
  },
  visit_clinics: {
    source: {
      sql: 'SELECT v.id, v.clinic_code, c.name AS clinic_name, c.region FROM visits v JOIN clinics c ON c.code = v.clinic_code',
      primary_key: ['id'],
    },
    nullable: { all: { id: false, clinic_code: false, clinic_name: false, region: true } },
  },
  // Visit 3 has no clinic: clinic_name is NULL although clinics.name is NOT NULL. PostgreSQL and
  // SQLite name clinics.name as its origin all the same: PostgreSQL distrusts the tables on the
  // NULL side of the join, SQLite every column; MariaDB computes the result's nullability itself.
  visit_clinics_outer: {
    source: {
      sql: 'SELECT v.id, v.clinic_code, c.name AS clinic_name, c.region FROM visits v LEFT JOIN clinics c ON c.code = v.clinic_code',
      primary_key: ['id'],
    },
    nullable: {
      sqlite: { id: false, clinic_code: true, clinic_name: true, region: true },
      postgres: { id: false, clinic_code: false, clinic_name: true, region: true },
      mysql: { id: false, clinic_code: false, clinic_name: true, region: true },
    },
  },
};

/** Sources only planned: whether `column` is reported nullable, per dialect (absent: not run there). */
const PLANNED: Record<string, TableSource & { column: string; nullable: Expectation<boolean> }> = {
  union_with_null: {
    sql: 'SELECT id, clinic_code FROM visits UNION ALL SELECT 0, NULL FROM clinics',
    primary_key: ['id'],
    column: 'clinic_code',
    nullable: { all: true },
  },
  scalar_subquery: {
    sql: 'SELECT v.id, (SELECT c.name FROM clinics c WHERE c.code = v.clinic_code) AS name FROM visits v',
    primary_key: ['id'],
    column: 'name',
    nullable: { all: true },
  },
  right_join: {
    sql: 'SELECT c.code, v.clinic_code FROM visits v RIGHT JOIN clinics c ON c.code = v.clinic_code',
    primary_key: ['code'],
    column: 'clinic_code',
    nullable: { all: true },
  },
  rollup: {
    sql: 'SELECT clinic_code, COUNT(*) AS n FROM visits GROUP BY ROLLUP (clinic_code)',
    primary_key: ['n'],
    column: 'clinic_code',
    nullable: { postgres: true },
  },
  with_rollup: {
    sql: 'SELECT clinic_code, COUNT(*) AS n FROM visits GROUP BY clinic_code WITH ROLLUP',
    primary_key: ['n'],
    column: 'clinic_code',
    nullable: { mysql: true },
  },
  view_outer_join: {
    sql: 'SELECT id, name FROM visit_names',
    primary_key: ['id'],
    column: 'name',
    nullable: { all: true },
  },
  // PostgreSQL names the view as the origin (a view column is never NOT NULL in pg_attribute);
  // SQLite and MariaDB see through it to visits.clinic_code.
  plain_view: {
    sql: 'SELECT id, clinic_code FROM visit_codes',
    primary_key: ['id'],
    column: 'clinic_code',
    nullable: { sqlite: false, postgres: true, mysql: false },
  },
  // PostgreSQL reads the join tree: a table on both sides of an outer join counts as on the NULL side,
  // and an outer join it does not walk (here in a WHERE subquery) leaves every column nullable.
  pg_self_join: {
    sql: 'SELECT v.id, v.clinic_code, w.note FROM visits v LEFT JOIN visits w ON w.id = v.id + 1',
    primary_key: ['id'],
    column: 'clinic_code',
    nullable: { postgres: true },
  },
  pg_outer_join_in_where: {
    sql: 'SELECT id, clinic_code FROM visits WHERE clinic_code IN (SELECT c.code FROM clinics c LEFT JOIN visits w ON w.clinic_code = c.code)',
    primary_key: ['id'],
    column: 'clinic_code',
    nullable: { postgres: true },
  },
  pg_left_join_kept_side: {
    sql: 'SELECT c.code, c.name, v.seen_on FROM clinics c LEFT JOIN (SELECT * FROM visits) v ON v.clinic_code = c.code',
    primary_key: ['code', 'seen_on'],
    column: 'name',
    nullable: { postgres: false },
  },
  // PostgreSQL's catalog cases (tables made in postgresCatalog below).
  pg_not_valid: {
    sql: 'SELECT id, code FROM legacy',
    primary_key: ['id'],
    column: 'code',
    nullable: { postgres: true },
  },
  pg_inherited: {
    sql: 'SELECT id, code FROM parent',
    primary_key: ['id'],
    column: 'code',
    nullable: { postgres: true },
  },
  pg_partitioned: {
    sql: 'SELECT id, code FROM booked',
    primary_key: ['id'],
    column: 'code',
    nullable: { postgres: false },
  },
};

const plannedFor = (dialect: DialectName) =>
  Object.entries(PLANNED).filter(([, p]) => forDialect(p.nullable, dialect) !== undefined);

function project(root: string, conn: DbConnection): LoadedConfig {
  const sources = [
    ...Object.entries(EXTRACTED).map(([name, e]) => [name, e.source] as const),
    ...plannedFor(conn.dialect).map(([name, { sql, primary_key }]) => [name, { sql, primary_key }] as const),
  ];
  return writeTableProject(root, conn, {
    sources: Object.fromEntries(sources.map(([name, s]) => [name, { ...s, mode: 'full' as const }])),
    output: { formats: ['parquet'] },
  });
}

describeEachDialect('nullability from the source', (target, connection) => {
  let root: string;
  let loaded: LoadedConfig;
  let conn: SourceConnection;

  beforeAll(async () => {
    const dir = await tempDir();
    root = dir.path;
    await execSql(connection(), SETUP);
    if (target.dialect === 'postgres') await postgresCatalog(connection());
    loaded = project(root, connection());
    conn = openConnection('src', loaded.config.connections.src!, loaded.root);
    return async () => {
      await conn.close();
      await dir.remove();
    };
  });

  const expected = (name: string) => forDialect(EXTRACTED[name]!.nullable, target.dialect)!;
  const planned = async (name: string) => {
    const plan = await planSource(conn, sourceRequest(loaded, name, 'full'));
    return Object.fromEntries(plan.columns.map((c) => [c.name, c.nullable]));
  };

  it('plans NOT NULL table columns and the primary key non-nullable, the rest nullable', async () => {
    for (const name of Object.keys(EXTRACTED)) expect(await planned(name), name).toEqual(expected(name));
  });

  it('plans nullable what a union, scalar subquery, outer join, rollup or view can make NULL, and no more', async () => {
    const cases = plannedFor(target.dialect);
    expect(cases.length).toBeGreaterThanOrEqual(4);
    for (const [name, p] of cases)
      expect((await planned(name))[p.column], name).toBe(forDialect(p.nullable, target.dialect));
  });

  it('writes REQUIRED exactly for the non-nullable columns, the manifest agrees, and an outer join writes its NULLs', async () => {
    const names = Object.keys(EXTRACTED);
    const summary = await runExtract(loaded, { sources: names, formats: ['parquet'] }, silentLogger());
    expect(summary.sources.map((s) => [s.source, s.status, s.error])).toEqual(
      names.map((n) => [n, 'succeeded', undefined]),
    );
    for (const name of names) {
      const [run] = runDirectories(path.join(root, 'data/raw'), name);
      const manifest = run!.manifest!;
      expect(Object.fromEntries(manifest.columns.map((c) => [c.name, c.nullable])), name).toEqual(
        expected(name),
      );
      const file = sqlString(path.join(run!.dir, manifest.parts[0]!.file));
      await withDuckDb(async (query) => {
        const schema = await query(
          `SELECT name, repetition_type FROM parquet_schema(${file}) WHERE num_children IS NULL`,
        );
        const optional = Object.fromEntries(
          schema.map((r): [string, boolean] => [String(r.name), r.repetition_type === 'OPTIONAL']),
        );
        expect(optional, name).toEqual(expected(name));
        if (name !== 'visit_clinics_outer') return;
        const rows = await query(`SELECT clinic_name FROM read_parquet(${file}) ORDER BY id`);
        expect(rows.map((r) => r.clinic_name)).toEqual(['Bedok', 'Jurong', null]);
      });
    }
  });
});

/**
 * PostgreSQL: attnotnull alone is no guarantee. A NOT VALID not-null constraint (PostgreSQL 18)
 * sets it over rows that hold NULL, and a query on an inheritance parent reads children that need
 * not have the parent's NOT NULL (NO INHERIT in 18; before it, a child could drop it). Partitions
 * always carry the partitioned table's NOT NULL and are trusted. Each untrusted case checks that
 * PostgreSQL really returns a NULL where attnotnull says NOT NULL.
 */
async function postgresCatalog(connection: DbConnection): Promise<void> {
  const db = await openClient(connection);
  try {
    const [{ v }] = (await db.rows<{ v: string }>(`SELECT current_setting('server_version_num') AS v`)) as [
      { v: string },
    ];
    const pg18 = Number(v) >= 180000;
    await db.exec(`
      CREATE TABLE legacy (id INT PRIMARY KEY, code TEXT);
      INSERT INTO legacy VALUES (1, NULL);
      CREATE TABLE parent (id INT PRIMARY KEY, code TEXT NOT NULL ${pg18 ? 'NO INHERIT' : ''});
      CREATE TABLE child () INHERITS (parent);
      ${pg18 ? '' : 'ALTER TABLE child ALTER COLUMN code DROP NOT NULL;'}
      INSERT INTO child VALUES (2, NULL);
      CREATE TABLE booked (id INT NOT NULL, code TEXT NOT NULL) PARTITION BY RANGE (id);
      CREATE TABLE booked_1 PARTITION OF booked FOR VALUES FROM (0) TO (100);
    `);
    // Before 18 there is no NOT VALID not-null constraint: legacy.code is then simply nullable.
    if (pg18) await db.exec('ALTER TABLE legacy ADD CONSTRAINT legacy_code NOT NULL code NOT VALID');
    const notNull = await db.rows<{ t: string; n: boolean }>(
      `SELECT attrelid::regclass::text AS t, attnotnull AS n FROM pg_attribute
        WHERE attname = 'code' AND attrelid IN ('legacy'::regclass, 'parent'::regclass)`,
    );
    expect(Object.fromEntries(notNull.map((r) => [r.t, r.n]))).toEqual({ legacy: pg18, parent: true });
    expect(await db.rows('SELECT code FROM parent UNION ALL SELECT code FROM legacy')).toEqual([
      { code: null },
      { code: null },
    ]);
  } finally {
    await db.close();
  }
}

/**
 * The shipped templates on the demo database: each column is nullable exactly as the demo table
 * declares it, except where attendances LEFT JOINs patients (date_of_birth can be NULL; SQLite
 * then distrusts every column but the primary key). Every source writes its Parquet.
 */
describeEachDialect('nullability of the shipped templates', (target, connection) => {
  it("marks the demo tables' NOT NULL columns non-nullable, and every source writes its Parquet", async () => {
    const dir = await tempDir();
    await loadDemo(connection(), { seed: 3, scale: 0.002, days: 3, startDate: '2025-01-01' });
    const loaded = projectFor(dir.path, connection(), {
      output: { formats: ['parquet'] },
      shippedTemplates: true,
    });
    const summary = await runExtract(loaded, { sources: [...SOURCE_TABLES], mode: 'full' }, silentLogger());
    expect(summary.sources.map((s) => [s.source, s.status, s.error])).toEqual(
      SOURCE_TABLES.map((s) => [s, 'succeeded', undefined]),
    );
    for (const result of summary.sources) {
      const table = result.source as SourceTable;
      const declared = new Map(TABLES[table].columns.map((c) => [c.name, c.nullable]));
      const manifest = JSON.parse(readFileSync(result.manifest!, 'utf8')) as Manifest;
      const want = manifest.columns.map((c) => {
        if (table !== 'attendances') return [c.name, declared.get(c.name)];
        if (c.name === 'date_of_birth') return [c.name, true];
        return [c.name, target.dialect === 'sqlite' ? c.name !== 'attendance_id' : declared.get(c.name)];
      });
      expect(
        manifest.columns.map((c) => [c.name, c.nullable]),
        table,
      ).toEqual(want);
      expect(manifest.columns.some((c) => !c.nullable && c.name !== TABLES[table].primaryKey[0])).toBe(
        table !== 'attendances' || target.dialect !== 'sqlite',
      );
    }
  });
});
