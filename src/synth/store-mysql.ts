/**
 * MySQL / MariaDB demo store over mysql2/promise: multi-row `INSERT ... VALUES ?` batches sized
 * well under max_allowed_packet, two statements in flight. The session time zone is UTC; UTC
 * instants are stored in DATETIME(6) columns as UTC wall-clock values (`Z` dropped), naive
 * timestamps as Singapore wall-clock values.
 */
import type { CellValue, Row } from '../schema/column-types.js';
import type { SynthChunk } from './generator.js';
import { BusyClock, Pipeline, type DemoStore } from './store.js';
import { TABLES, type SourceTable } from './tables.js';

/** The members of a mysql2/promise `Connection` (or `PoolConnection`) the loader calls. */
export interface MysqlConnectionLike {
  query(sql: string, values?: unknown): Promise<[unknown, unknown]>;
}

/** `YYYY-MM-DDTHH:MM:SS.ffffff[Z]` → `YYYY-MM-DD HH:MM:SS.ffffff`, the DATETIME literal both servers accept. */
export function mysqlDateTime(value: string): string {
  return `${value.slice(0, 10)} ${value.slice(11, value.endsWith('Z') ? -1 : undefined)}`;
}

interface TablePlan {
  sql: string;
  convert: ((v: CellValue) => unknown)[];
}

export class MysqlStore implements DemoStore {
  readonly dialect = 'mysql' as const;
  private readonly pipeline = new Pipeline(2);
  private readonly clock = new BusyClock();
  private readonly plans = new Map<SourceTable, TablePlan>();
  private batchBytes = 4 * 1024 * 1024;

  constructor(private readonly conn: MysqlConnectionLike) {}

  get tableSeconds(): Record<SourceTable, number> {
    return this.clock.seconds;
  }

  async exec(sql: string): Promise<void> {
    await this.conn.query(sql);
  }

  async query(sql: string, params: readonly unknown[] = []): Promise<Record<string, unknown>[]> {
    const [rows] = await this.conn.query(sql, [...params]);
    return rows as Record<string, unknown>[];
  }

  async run(sql: string, params: readonly unknown[] = []): Promise<number> {
    const [result] = await this.conn.query(sql, [...params]);
    return (result as { affectedRows?: number }).affectedRows ?? 0;
  }

  param(): string {
    return '?';
  }

  utc(value: string): unknown {
    return mysqlDateTime(value);
  }

  timestampText(expr: string, zone: 'utc' | 'naive'): string {
    // DATETIME(6) holds UTC wall clock for UTC columns (see ddl.ts): no conversion, only the Z.
    return `DATE_FORMAT(${expr}, '%Y-%m-%dT%H:%i:%s.%f${zone === 'utc' ? 'Z' : ''}')`;
  }

  async begin(): Promise<void> {
    await this.conn.query("SET time_zone = '+00:00'");
    const [rows] = await this.conn.query('SELECT @@max_allowed_packet AS m');
    const max = Number((rows as { m: unknown }[])[0]?.m ?? 0);
    if (max > 0) this.batchBytes = Math.max(64 * 1024, Math.min(8 * 1024 * 1024, Math.floor(max / 4)));
    await this.conn.query('START TRANSACTION');
  }

  async commit(): Promise<void> {
    await this.conn.query('COMMIT');
  }

  async rollback(): Promise<void> {
    await this.pipeline.settle();
    await this.conn.query('ROLLBACK');
  }

  startBulk(): Promise<void> {
    return Promise.resolve();
  }

  async write(chunk: SynthChunk): Promise<void> {
    const plan = this.planFor(chunk.table);
    let batch: unknown[][] = [];
    let bytes = 0;
    for (const row of chunk.rows) {
      const out = this.convertRow(plan, row);
      batch.push(out);
      bytes += estimateBytes(row);
      if (bytes >= this.batchBytes) {
        await this.send(chunk.table, plan, batch);
        batch = [];
        bytes = 0;
      }
    }
    if (batch.length > 0) await this.send(chunk.table, plan, batch);
  }

  finishBulk(): Promise<void> {
    return this.pipeline.drain();
  }

  private send(table: SourceTable, plan: TablePlan, rows: unknown[][]): Promise<void> {
    const task = this.conn.query(plan.sql, [rows]).then(() => undefined);
    return this.pipeline.add(this.clock.track(table, task));
  }

  private convertRow(plan: TablePlan, row: Row): unknown[] {
    const out = new Array<unknown>(row.length);
    for (let i = 0; i < row.length; i++) out[i] = plan.convert[i]!(row[i] ?? null);
    return out;
  }

  private planFor(table: SourceTable): TablePlan {
    let plan = this.plans.get(table);
    if (!plan) {
      const cols = TABLES[table].columns;
      const convert = cols.map((c): ((v: CellValue) => unknown) => {
        if (c.type.kind === 'boolean') return (v) => (v === null ? null : v ? 1 : 0);
        if (c.type.kind === 'timestamp') return (v) => (typeof v === 'string' ? mysqlDateTime(v) : v);
        return (v) => v;
      });
      const names = cols.map((c) => `\`${c.name}\``).join(', ');
      plan = { sql: `INSERT INTO \`${table}\` (${names}) VALUES ?`, convert };
      this.plans.set(table, plan);
    }
    return plan;
  }
}

function estimateBytes(row: Row): number {
  let n = 8;
  for (const v of row) n += typeof v === 'string' ? v.length * 2 + 4 : 24;
  return n;
}
