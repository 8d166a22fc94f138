/**
 * PostgreSQL demo store: `COPY ... FROM STDIN` in text format through pg-copy-streams, one COPY
 * per chunk, with the next chunk generated while the server ingests the previous one. Tables
 * created in the same transaction are loaded WITH (FREEZE). UTC timestamps carry a `Z` suffix,
 * so the session TimeZone never changes their meaning.
 */
import { finished } from 'node:stream/promises';
import copyStreams from 'pg-copy-streams';
import type { CellValue } from '../schema/column-types.js';
import type { SynthChunk } from './generator.js';
import { BusyClock, SerialQueue, type DemoStore } from './store.js';
import { SOURCE_TABLES, TABLES, type SourceTable } from './tables.js';

/** A query object pg's `client.query` drives (its `Submittable`; here a COPY stream). */
export interface PgSubmittable {
  submit(connection: unknown): void;
}

/** The members of a node-postgres `Client` (or `PoolClient`) the loader calls. */
export interface PgClientLike {
  query(
    text: string,
    values?: unknown[],
  ): Promise<{ rows: Record<string, unknown>[]; rowCount: number | null }>;
  query<T extends PgSubmittable>(stream: T): T;
}

const SPECIAL = /[\\\t\n\r]/;
const SPECIAL_G = /[\\\t\n\r]/g;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** One value in COPY text format: `\N` for NULL, t/f for booleans, backslash escapes in text. */
export function copyText(value: CellValue): string {
  if (value === null) return '\\N';
  if (typeof value === 'string')
    return SPECIAL.test(value) ? value.replace(SPECIAL_G, (c) => ESCAPES[c]!) : value;
  if (typeof value === 'boolean') return value ? 't' : 'f';
  if (typeof value === 'number') return String(value);
  return `\\\\x${Buffer.from(value).toString('hex')}`;
}

/** Indexes of free-text columns: the only ones that can need COPY escapes. */
export function textColumns(table: SourceTable): number[] {
  return TABLES[table].columns.flatMap((c, i) =>
    c.type.kind === 'string' || c.type.kind === 'json' ? [i] : [],
  );
}

/**
 * A chunk as COPY text (one line per row, tab-separated, newline-terminated). `text` lists the
 * columns that may need escapes (all string values are checked when omitted); dates, timestamps
 * and decimals in canonical form never do.
 */
export function copyPayload(rows: readonly (readonly CellValue[])[], text?: readonly number[]): string {
  const lines = new Array<string>(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!;
    // Fast path: Array#join builds a flat string natively; only NULLs, booleans, binary values
    // and text needing escapes take the slow path.
    let plain = true;
    for (let i = 0; i < row.length && plain; i++) {
      const v = row[i];
      if (v === null || typeof v === 'boolean' || typeof v === 'object') plain = false;
      else if (text === undefined && typeof v === 'string' && SPECIAL.test(v)) plain = false;
    }
    if (plain && text !== undefined) {
      for (let k = 0; k < text.length && plain; k++) if (SPECIAL.test(row[text[k]!] as string)) plain = false;
    }
    lines[r] = plain ? row.join('\t') : row.map((v) => copyText(v ?? null)).join('\t');
  }
  lines.push('');
  return lines.join('\n');
}

/** Pending COPY text is sent once a table has this much (bigger COPYs amortise per-statement cost). */
export const FLUSH_BYTES = 8 * 1024 * 1024;

export class PostgresStore implements DemoStore {
  readonly dialect = 'postgres' as const;
  private readonly queue = new SerialQueue(40 * 1024 * 1024);
  private readonly clock = new BusyClock();
  private readonly pending = new Map<SourceTable, { parts: string[]; bytes: number }>();
  private freeze = false;
  private lastYield = performance.now();

  constructor(private readonly client: PgClientLike) {}

  get tableSeconds(): Record<SourceTable, number> {
    return this.clock.seconds;
  }

  async exec(sql: string): Promise<void> {
    await this.client.query(sql);
  }

  async query(sql: string, params: readonly unknown[] = []): Promise<Record<string, unknown>[]> {
    return (await this.client.query(sql, [...params])).rows;
  }

  async run(sql: string, params: readonly unknown[] = []): Promise<number> {
    return (await this.client.query(sql, [...params])).rowCount ?? 0;
  }

  param(n: number): string {
    return `$${n}`;
  }

  utc(value: string): unknown {
    return value;
  }

  timestampText(expr: string, zone: 'utc' | 'naive'): string {
    return zone === 'utc'
      ? `to_char((${expr}) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`
      : `to_char(${expr}, 'YYYY-MM-DD"T"HH24:MI:SS.US')`;
  }

  async begin(): Promise<void> {
    await this.client.query('BEGIN');
    await this.client.query('SET LOCAL synchronous_commit = off');
  }

  async commit(): Promise<void> {
    await this.client.query('COMMIT');
  }

  async rollback(): Promise<void> {
    this.pending.clear();
    await this.queue.settle();
    await this.client.query('ROLLBACK');
  }

  async startBulk(fresh: boolean): Promise<void> {
    this.freeze = fresh;
    // Index builds after a fresh load sort whole tables; give them room (this transaction only).
    if (fresh) await this.client.query("SET LOCAL maintenance_work_mem = '512MB'");
  }

  /**
   * Serialises the chunk at once (rows die young, which keeps garbage collection cheap) and sends
   * COPYs when a table has enough text, parents first. The COPY data can only be sent after the
   * server acknowledges the COPY, which needs the event loop: so the loader yields to it every few
   * milliseconds of generation, keeping the server busy while the next rows are generated.
   */
  async write(chunk: SynthChunk): Promise<void> {
    let entry = this.pending.get(chunk.table);
    if (!entry) this.pending.set(chunk.table, (entry = { parts: [], bytes: 0 }));
    const text = copyPayload(chunk.rows, this.textColumnsOf(chunk.table));
    entry.parts.push(text);
    entry.bytes += text.length;
    if (entry.bytes >= FLUSH_BYTES) await this.flush();
    if (performance.now() - this.lastYield > 1) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      this.lastYield = performance.now();
    }
  }

  /** Queues ready-made COPY text (from the worker thread), after any rows buffered here. */
  async writeCopy(table: SourceTable, data: Uint8Array): Promise<void> {
    await this.flush();
    await this.enqueue(table, data);
  }

  async finishBulk(): Promise<void> {
    await this.flush();
    await this.queue.drain();
  }

  private async flush(): Promise<void> {
    for (const table of SOURCE_TABLES) {
      const entry = this.pending.get(table);
      if (!entry || entry.bytes === 0) continue;
      this.pending.delete(table);
      await this.enqueue(table, entry.parts.join(''));
    }
  }

  private readonly text = new Map<SourceTable, number[]>();
  private textColumnsOf(table: SourceTable): number[] {
    let cols = this.text.get(table);
    if (!cols) this.text.set(table, (cols = textColumns(table)));
    return cols;
  }

  private enqueue(table: SourceTable, payload: string | Uint8Array): Promise<void> {
    const cols = TABLES[table].columns.map((c) => `"${c.name}"`).join(', ');
    const sql = `COPY "${table}" (${cols}) FROM STDIN${this.freeze ? ' WITH (FREEZE)' : ''}`;
    return this.queue.add(() => {
      const stream = this.client.query(copyStreams.from(sql));
      stream.end(payload);
      return this.clock.track(table, finished(stream));
    }, payload.length);
  }
}
