/**
 * The tables scripts/bench.ts reads, built from the demo's attendances (untimed set-up):
 *
 * - PostgreSQL `bench_attendances_<N>`: N rows copied from `attendances` with shifted ids
 *   (bench-extract-parts.ts `buildSizedTable`), primary key, VACUUM ANALYZE.
 * - PostgreSQL `bench_attendances_<N>_cjk`: the same rows plus a `note text` column holding a short
 *   clinical note in Chinese, Japanese or Korean in every third row (attendance_id divisible by 3),
 *   NULL elsewhere. About 20–30 characters, 60–80 bytes of UTF-8 each: what a free-text field of
 *   a Singapore clinic holds, and what takes every decoder off its ASCII fast path.
 * - MariaDB `bench_attendances_<N>`: the PostgreSQL table of the same size streamed across
 *   (COPY … TO STDOUT in text format into LOAD DATA LOCAL INFILE: both default to tab-separated,
 *   backslash escapes and \N for NULL), in the demo's MariaDB DDL (src/synth/ddl.ts).
 */
import type { Readable } from 'node:stream';
import type mysql from 'mysql2/promise';
import type pg from 'pg';
import copyStreams from 'pg-copy-streams';
import { createTableSql, TABLES } from '../../src/synth/index.js';
import { buildSizedTable, sizedTable } from './bench-extract-parts.js';

/** The CJK variant of a sized table. */
export const cjkTable = (rows: number): string => `${sizedTable(rows)}_cjk`;

/** The notes of the CJK variant: Chinese (simplified, traditional), Japanese, Korean. */
export const CJK_NOTES = [
  '患者主诉头痛三天，伴有低热，建议多休息并复诊。',
  '血壓控制良好，繼續原有藥物治療，三個月後覆診。',
  '咳が二週間続いている。胸部レントゲン検査を予定。',
  '당뇨병 정기 검진, 혈당 수치 안정적, 식이요법 유지.',
] as const;

/** Builds the ASCII table of `rows` (if missing) and returns its row count. */
export async function buildAsciiTable(client: pg.Client, rows: number): Promise<number> {
  const existing = await client.query<{ n: string }>(
    `SELECT count(*) AS n FROM pg_tables WHERE tablename = $1`,
    [sizedTable(rows)],
  );
  if (Number(existing.rows[0]?.n) > 0) return rows;
  return buildSizedTable(client, rows);
}

/** `bench_attendances_<rows>_cjk` from the ASCII table of the same size (which must exist). */
export async function buildCjkTable(client: pg.Client, rows: number): Promise<void> {
  const table = cjkTable(rows);
  const notes = `ARRAY[${CJK_NOTES.map((n) => `'${n}'`).join(', ')}]`;
  await client.query(`DROP TABLE IF EXISTS ${table}`);
  await client.query(
    `CREATE TABLE ${table} AS SELECT a.*, CASE WHEN attendance_id % 3 = 0 ` +
      `THEN (${notes})[1 + (attendance_id / 3) % ${CJK_NOTES.length}] END AS note ` +
      `FROM ${sizedTable(rows)} a ORDER BY attendance_id`,
  );
  await client.query(`ALTER TABLE ${table} ADD PRIMARY KEY (attendance_id)`);
  await client.query(`VACUUM (ANALYZE) ${table}`);
}

/** The demo's MariaDB DDL for attendances (NOT NULL relaxed where its dirty rows hold NULLs), renamed. */
function mariadbDdl(table: string): string {
  const ddl = createTableSql('mysql', TABLES.attendances, { dirty: true, primaryKey: true });
  return ddl.replace(/^CREATE TABLE `attendances`/, `CREATE TABLE \`${table}\``);
}

/**
 * PostgreSQL's `bench_attendances_<rows>` into MariaDB under the same name. UTC timestamps are sent
 * as UTC DATETIME text (the server runs at +00:00, as the demo's MariaDB loader assumes).
 */
export async function copyToMariadb(
  client: pg.Client,
  conn: mysql.Connection,
  rows: number,
): Promise<number> {
  const table = sizedTable(rows);
  const columns = TABLES.attendances.columns.map((c) =>
    c.type.kind === 'timestamp' && c.type.tz === 'utc'
      ? `to_char(${c.name} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')`
      : c.name,
  );
  await conn.query(`DROP TABLE IF EXISTS ${table}`);
  await conn.query(mariadbDdl(table));
  await conn.query('SET SESSION unique_checks = 0');
  const stream: Readable = client.query(
    copyStreams.to(`COPY (SELECT ${columns.join(', ')} FROM ${table} ORDER BY attendance_id) TO STDOUT`),
  );
  const [result] = await conn.query({
    sql: `LOAD DATA LOCAL INFILE 'bench' INTO TABLE ${table}`,
    infileStreamFactory: () => stream,
  });
  const loaded = (result as { affectedRows?: number }).affectedRows ?? 0;
  await conn.query('SET SESSION unique_checks = 1');
  await conn.query(`ANALYZE TABLE ${table}`);
  if (loaded !== rows) throw new Error(`MariaDB ${table}: ${loaded} rows loaded, expected ${rows}`);
  return loaded;
}
