/**
 * SQLite demo store over better-sqlite3: prepared INSERTs inside one transaction, with
 * `synchronous=OFF` and WAL journaling during the load (both restored afterwards).
 * Booleans are stored as 0/1; dates and timestamps as the canonical ISO text; decimals are
 * bound as text into DECIMAL(p,s) columns (NUMERIC affinity, so SQLite keeps them as numbers).
 */
import type { Row } from '../schema/column-types.js';
import type { SynthChunk } from './generator.js';
import { zeroSeconds, type DemoStore } from './store.js';
import { TABLES, type SourceTable } from './tables.js';

/** The members of a better-sqlite3 `Statement` the loader calls. */
export interface SqliteStatementLike {
  run(...params: unknown[]): { changes: number };
  all(...params: unknown[]): unknown[];
}

/** The members of a better-sqlite3 `Database` the loader calls. */
export interface SqliteDatabaseLike {
  exec(sql: string): unknown;
  prepare(sql: string): SqliteStatementLike;
}

export class SqliteStore implements DemoStore {
  readonly dialect = 'sqlite' as const;
  readonly tableSeconds = zeroSeconds();
  private readonly inserts = new Map<SourceTable, { stmt: SqliteStatementLike; booleans: number[] }>();
  private restore: string[] = [];

  constructor(private readonly db: SqliteDatabaseLike) {}

  exec(sql: string): Promise<void> {
    this.db.exec(sql);
    return Promise.resolve();
  }

  query(sql: string, params: readonly unknown[] = []): Promise<Record<string, unknown>[]> {
    return Promise.resolve(this.db.prepare(sql).all(...params) as Record<string, unknown>[]);
  }

  run(sql: string, params: readonly unknown[] = []): Promise<number> {
    return Promise.resolve(this.db.prepare(sql).run(...params).changes);
  }

  param(): string {
    return '?';
  }

  utc(value: string): unknown {
    return value;
  }

  timestampText(expr: string): string {
    return expr; // stored as the canonical text already
  }

  async begin(): Promise<void> {
    // Pragmas cannot change inside a transaction: set them first, restore after commit/rollback.
    const [sync] = (await this.query('PRAGMA synchronous')) as { synchronous: number }[];
    const [journal] = (await this.query('PRAGMA journal_mode')) as { journal_mode: string }[];
    this.restore = [];
    if (sync) this.restore.push(`PRAGMA synchronous=${sync.synchronous}`);
    if (journal && journal.journal_mode.toLowerCase() !== 'memory') {
      this.restore.push(`PRAGMA journal_mode=${journal.journal_mode}`);
    }
    this.db.exec('PRAGMA journal_mode=WAL');
    this.db.exec('PRAGMA synchronous=OFF');
    this.db.exec('BEGIN IMMEDIATE');
  }

  commit(): Promise<void> {
    this.db.exec('COMMIT');
    this.restorePragmas();
    return Promise.resolve();
  }

  rollback(): Promise<void> {
    try {
      this.db.exec('ROLLBACK');
    } catch {
      // no transaction open
    }
    this.restorePragmas();
    return Promise.resolve();
  }

  private restorePragmas(): void {
    this.inserts.clear();
    for (const sql of this.restore.reverse()) this.db.exec(sql);
    this.restore = [];
  }

  startBulk(): Promise<void> {
    return Promise.resolve();
  }

  write(chunk: SynthChunk): Promise<void> {
    const started = performance.now();
    const { stmt, booleans } = this.insertFor(chunk.table);
    for (const row of chunk.rows) {
      if (booleans.length > 0) {
        const copy: Row = row.slice();
        for (const i of booleans) if (typeof copy[i] === 'boolean') copy[i] = copy[i] ? 1 : 0;
        stmt.run(...copy);
      } else {
        stmt.run(...row);
      }
    }
    this.tableSeconds[chunk.table] += (performance.now() - started) / 1000;
    return Promise.resolve();
  }

  finishBulk(): Promise<void> {
    return Promise.resolve();
  }

  private insertFor(table: SourceTable): { stmt: SqliteStatementLike; booleans: number[] } {
    let entry = this.inserts.get(table);
    if (!entry) {
      const cols = TABLES[table].columns;
      const names = cols.map((c) => `"${c.name}"`).join(', ');
      const stmt = this.db.prepare(
        `INSERT INTO "${table}" (${names}) VALUES (${cols.map(() => '?').join(', ')})`,
      );
      const booleans = cols.flatMap((c, i) => (c.type.kind === 'boolean' ? [i] : []));
      this.inserts.set(table, (entry = { stmt, booleans }));
    }
    return entry;
  }
}
