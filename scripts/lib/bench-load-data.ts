/**
 * Data for the load benchmark (scripts/bench_load_merge.ts), made by DuckDB straight to Parquet:
 * an attendances-like table of 12 columns (int64 keys, a date spread over three years, naive and
 * UTC timestamps, two decimals, three text columns, a boolean), and increments of new rows plus
 * updates of old keys with a newer cursor.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { t, type ColumnSpec } from '../../src/schema/column-types.js';

export const BENCH_COLUMNS: ColumnSpec[] = [
  { name: 'attendance_id', type: t.int64(), nullable: false },
  { name: 'patient_id', type: t.int64(), nullable: false },
  { name: 'clinic_id', type: t.int32(), nullable: false },
  { name: 'visit_date', type: t.date(), nullable: false },
  { name: 'arrived_at', type: t.timestamp(), nullable: true },
  { name: 'updated_at', type: t.timestamptz(), nullable: false },
  { name: 'fee', type: t.decimal(12, 2), nullable: true },
  { name: 'subsidy', type: t.decimal(18, 4), nullable: true },
  { name: 'diagnosis_code', type: t.string(), nullable: true },
  { name: 'status', type: t.string(), nullable: true },
  { name: 'remarks', type: t.string(), nullable: true },
  { name: 'is_follow_up', type: t.boolean(), nullable: true },
];

/** Days the base table spans (2023-01-01 onwards): 36 monthly partitions. */
const DAYS = 1096;

/** Columns of row `i` (a BIGINT expression) of a table of `total` rows, at cursor second `tick`. */
function rowSql(i: string, total: number, tick: string): string {
  return `${i}::BIGINT AS attendance_id, (${i} % 500000)::BIGINT AS patient_id, (${i} % 23)::INTEGER AS clinic_id,
    (DATE '2023-01-01' + (${i} * ${DAYS} // ${total})::INTEGER) AS visit_date,
    (TIMESTAMP '2023-01-01 08:00:00' + to_seconds((${i} * 9)::BIGINT)) AS arrived_at,
    (TIMESTAMPTZ '2023-01-01 00:00:00+00' + to_seconds((${tick})::BIGINT)) AS updated_at,
    ((${i} * 7919) % 100000 / 100.0)::DECIMAL(12,2) AS fee,
    ((${i} * 31) % 1000000 / 10000.0)::DECIMAL(18,4) AS subsidy,
    ['A10','B20','J06','I10','E11','Z00'][1 + ${i} % 6] AS diagnosis_code,
    ['completed','cancelled','no_show','in_progress'][1 + ${i} % 4] AS status,
    'note ' || ((${i} * 2654435761) % 1000003)::VARCHAR AS remarks,
    (${i} % 3 = 0) AS is_follow_up`;
}

/** Rows in the order of `select`, like the extractor's keyset order (the base is in key order). */
async function copy(select: string, file: string, threads: number): Promise<void> {
  const db = await DuckDBInstance.create(':memory:', {
    memory_limit: '512MB',
    threads: String(threads),
    preserve_insertion_order: 'true',
  });
  const con = await db.connect();
  try {
    await con.run(`COPY (${select}) TO '${file}' (FORMAT parquet, COMPRESSION zstd)`);
  } finally {
    con.closeSync();
    db.closeSync();
  }
}

/** The full extraction: rows 0 … total-1, cursor = 9 s apart plus 10 min. */
export async function writeBase(file: string, total: number, threads = 2): Promise<void> {
  await copy(`SELECT ${rowSql('i', total, 'i * 9 + 600')} FROM range(${total}) t(i)`, file, threads);
}

export type UpdatePick = 'recent' | 'uniform';

/**
 * An increment of `rows` rows after a base of `total` (and earlier increments up to key `nextKey`):
 * `updateShare` of them update old keys (`recent`: among the newest 3% of keys, as visits are
 * updated in the days after them; `uniform`: anywhere), with a cursor later than any before;
 * the rest are new keys on the last day of the base.
 */
export async function writeIncrement(
  file: string,
  opts: { total: number; nextKey: number; rows: number; updateShare: number; pick: UpdatePick; seed: number },
): Promise<void> {
  const updates = Math.round(opts.rows * opts.updateShare);
  const span = opts.pick === 'recent' ? Math.max(1, Math.floor(opts.total * 0.03)) : opts.total;
  const from = opts.total - span;
  const tick = `${opts.total * 9 + 600 + opts.seed * 86_400}`;
  // Distinct old keys: a stride coprime with the span walks it without repeats.
  const oldKey = `(${from} + ((k * 2654435761 + ${opts.seed * 7919}) % ${span}))`;
  const newKey = `(${opts.nextKey} + k - ${updates})`;
  await copy(
    `SELECT * REPLACE (DATE '2023-01-01' + ${DAYS - 1} AS visit_date) FROM (
       SELECT ${rowSql(newKey, opts.total, tick)} FROM range(${updates}, ${opts.rows}) t(k))
     UNION ALL
     SELECT ${rowSql(oldKey, opts.total, tick)} FROM range(${updates}) t(k)`,
    file,
    2,
  );
}
