/**
 * The MariaDB benchmark's data (scripts/bench_mysql.ts): a few days of the synthetic demo, then one
 * table per text variant holding N attendances (copies of the loaded rows with shifted ids) plus a
 * `remarks` text column — ASCII phrases in one, CJK phrases of the same byte length in the other —
 * so the two differ only in the script of one column.
 */
import mysql from 'mysql2/promise';
import { parseDate } from '../../src/synth/calendar.js';
import { attendanceCount, createDemoDatabase, DEFAULT_OPTIONS, TABLES } from '../../src/synth/index.js';
import type { RunningServer } from './servers.js';

/** The text variants measured: the same rows, `remarks` in ASCII or in CJK. */
export const VARIANTS = ['ascii', 'cjk'] as const;
export type Variant = (typeof VARIANTS)[number];

/**
 * Eight phrases per variant, each exactly 48 bytes of UTF-8 (16 CJK characters of 3 bytes), so a
 * row carries the same bytes in both tables and only the decoding differs.
 */
const PHRASES: Record<Variant, string[]> = {
  ascii: [
    'review in two weeks; bring the record',
    'fasting bloods ordered for next visit',
    'counselled on diet and daily exercise',
    'referred to the eye clinic for review',
    'blood pressure rechecked after a rest',
    'medication adherence is reported good',
    'wound dressing changed; healing nicely',
    'vaccination given; observed for 30 min',
  ].map((p) => p.padEnd(48, '.').slice(0, 48)),
  cjk: [
    '两周后复诊请携带病历本和药物清单',
    '下次就诊前需空腹抽血检查血糖血脂',
    '已指导饮食控制并建议每日适量运动',
    '转介眼科门诊进行视网膜病变的筛查',
    '休息十分钟后复测血压结果恢复正常',
    '患者自述按时服药依从性良好无不适',
    '伤口换药一次愈合良好无感染的迹象',
    '已接种疫苗并留观三十分钟未见不良',
  ],
};

for (const [variant, phrases] of Object.entries(PHRASES))
  for (const p of phrases)
    if (Buffer.byteLength(p) !== 48) throw new Error(`${variant} phrase is not 48 bytes: ${p}`);

export const benchTable = (variant: Variant): string => `bench_${variant}`;

/** The attendances columns the benchmark selects, then the text column. */
export const BENCH_COLUMNS = [...TABLES.attendances.columns.map((c) => c.name), 'remarks'];

/** The SELECT both the CLI's template and the mariadb client run. */
export function benchSelect(variant: Variant): string {
  return `SELECT ${BENCH_COLUMNS.join(', ')} FROM ${benchTable(variant)}`;
}

export function connect(server: RunningServer): Promise<mysql.Connection> {
  return mysql.createConnection({
    host: server.host,
    port: server.port,
    user: server.user,
    password: server.password,
    database: server.database,
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
  });
}

/**
 * A buffer pool that holds the tables (the test server starts with 16 MB, sized for unit tests; a
 * production server serving a 1M-row table keeps it in memory), then `days` days of the demo.
 */
export async function loadDemo(
  conn: mysql.Connection,
  days: number,
  seed: number,
  log: (s: string) => void,
): Promise<number> {
  await conn.query('SET GLOBAL innodb_buffer_pool_size = 1024 * 1024 * 1024');
  let atScale1 = 0;
  const startDate = DEFAULT_OPTIONS.startDate;
  for (let d = 0; d < days; d++) atScale1 += attendanceCount(seed, parseDate(startDate) + d, 1);
  log(`loading ${days} demo days (~${atScale1.toLocaleString('en-US')} attendances)`);
  const load = await createDemoDatabase({ dialect: 'mysql', conn }, { seed, scale: 1, startDate, days });
  return load.counts.attendances;
}

/** `rows` attendances with a `remarks` column in `variant`'s script; the table is ANALYZEd. */
export async function buildBenchTable(
  conn: mysql.Connection,
  variant: Variant,
  rows: number,
): Promise<number> {
  const table = benchTable(variant);
  const columns = TABLES.attendances.columns.map((c) => c.name);
  const [max] = await conn.query<mysql.RowDataPacket[]>('SELECT MAX(attendance_id) AS m FROM attendances');
  const maxId = Number(max[0]?.m);
  const phrases = PHRASES[variant].map((p) => conn.escape(p)).join(', ');
  await conn.query(`DROP TABLE IF EXISTS ${table}`);
  await conn.query(`CREATE TABLE ${table} LIKE attendances`);
  await conn.query(`ALTER TABLE ${table} ADD COLUMN remarks VARCHAR(64) NULL`);
  let inserted = 0;
  for (let k = 0; inserted < rows; k++) {
    const id = `attendance_id + ${k * maxId}`;
    const select = columns.map((c) => (c === 'attendance_id' ? id : c));
    // Every ninth row has no remarks: NULLs are part of real data.
    const remarks = `CASE WHEN (${id}) % 9 = 0 THEN NULL ELSE ELT(1 + (${id}) % 8, ${phrases}) END`;
    const [res] = await conn.query<mysql.ResultSetHeader>(
      `INSERT INTO ${table} (${columns.join(', ')}, remarks) SELECT ${select.join(', ')}, ${remarks} ` +
        `FROM attendances ORDER BY attendance_id LIMIT ${rows - inserted}`,
    );
    if (!res.affectedRows) throw new Error(`no rows copied into ${table}`);
    inserted += res.affectedRows;
  }
  await conn.query(`ANALYZE TABLE ${table}`);
  return inserted;
}
