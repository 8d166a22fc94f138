/**
 * The narrow database surface the demo loaders need, implemented once per dialect
 * (store-sqlite.ts, store-postgres.ts, store-mysql.ts). Orchestration (load.ts, advance.ts) is
 * written once against it.
 */
import type { Dialect } from './ddl.js';
import type { SynthChunk } from './generator.js';
import { SOURCE_TABLES, type SourceTable } from './tables.js';

export interface DemoStore {
  readonly dialect: Dialect;
  /** Runs one statement, ignoring any result. */
  exec(sql: string): Promise<void>;
  /** Runs a parameterised query and returns its rows as objects. */
  query(sql: string, params?: readonly unknown[]): Promise<Record<string, unknown>[]>;
  /** Runs a parameterised statement and returns the number of affected rows. */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
  /** Placeholder for the n-th (1-based) parameter. */
  param(n: number): string;
  /** A canonical UTC timestamp string as this dialect wants it bound. */
  utc(value: string): unknown;
  /**
   * SQL turning a timestamp expression into its canonical text (`YYYY-MM-DDTHH:MM:SS.ffffff`, with
   * `Z` for `utc`), so values read back never go through a driver's Date conversion (ms precision,
   * and for MySQL the client's local zone).
   */
  timestampText(expr: string, zone: 'utc' | 'naive'): string;
  begin(): Promise<void>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
  /** Called before the first write of a bulk load; `fresh` when the tables were created in this transaction. */
  startBulk(fresh: boolean): Promise<void>;
  /** Writes one chunk; may return before the database has finished (see finishBulk). */
  write(chunk: SynthChunk): Promise<void>;
  /** Writes ready-made COPY text (PostgreSQL only). */
  writeCopy?(table: SourceTable, data: Uint8Array, rows: number): Promise<void>;
  /** Waits for all outstanding writes; throws the first write error. */
  finishBulk(): Promise<void>;
  /** Seconds the database spent on each table's writes (exclusive of generation). */
  readonly tableSeconds: Record<SourceTable, number>;
}

export const zeroSeconds = (): Record<SourceTable, number> =>
  Object.fromEntries(SOURCE_TABLES.map((t) => [t, 0])) as Record<SourceTable, number>;

/**
 * Keeps at most `depth` asynchronous writes in flight, so the next chunk is generated while the
 * database ingests the previous one. Remembers the first failure and rethrows it.
 */
export class Pipeline {
  private readonly inflight: Promise<void>[] = [];
  private failure: { error: unknown } | null = null;

  constructor(private readonly depth = 2) {}

  async add(task: Promise<void>): Promise<void> {
    this.inflight.push(
      task.catch((e: unknown) => {
        this.failure ??= { error: e };
      }),
    );
    while (this.inflight.length >= this.depth) await this.inflight.shift();
    this.check();
  }

  async drain(): Promise<void> {
    while (this.inflight.length > 0) await this.inflight.shift();
    this.check();
  }

  /** Waits for outstanding work and forgets any failure (used before a rollback). */
  async settle(): Promise<void> {
    while (this.inflight.length > 0) await this.inflight.shift();
    this.failure = null;
  }

  private check(): void {
    if (this.failure) throw this.failure.error;
  }
}

/**
 * Runs jobs one after another in the background (a driver may have one statement in flight),
 * starting the next as soon as the previous settles. `add` waits only when more than `maxQueued`
 * weight (e.g. bytes) is waiting. The first failure is rethrown by `add`/`drain`.
 */
export class SerialQueue {
  private readonly jobs: { run: () => Promise<void>; weight: number }[] = [];
  private queued = 0;
  private running: Promise<void> | null = null;
  private failure: { error: unknown } | null = null;
  private wake: (() => void) | null = null;

  constructor(private readonly maxQueued: number) {}

  async add(run: () => Promise<void>, weight: number): Promise<void> {
    this.check();
    this.jobs.push({ run, weight });
    this.queued += weight;
    this.running ??= this.loop();
    while (this.queued > this.maxQueued && this.running !== null) {
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
    this.check();
  }

  async drain(): Promise<void> {
    await this.running;
    this.check();
  }

  /** Waits for outstanding work and forgets any failure (used before a rollback). */
  async settle(): Promise<void> {
    this.jobs.length = 0;
    await this.running;
    this.failure = null;
  }

  private async loop(): Promise<void> {
    for (let job = this.jobs.shift(); job; job = this.jobs.shift()) {
      try {
        if (!this.failure) await job.run();
      } catch (e) {
        this.failure ??= { error: e };
      }
      this.queued -= job.weight;
      this.wake?.();
      this.wake = null;
    }
    this.running = null;
    this.wake?.();
    this.wake = null;
  }

  private check(): void {
    if (this.failure) throw this.failure.error;
  }
}

/** Measures exclusive server time of sequential jobs: each job's busy time starts when it is submitted or when the previous job ended. */
export class BusyClock {
  private lastEnd = 0;
  readonly seconds = zeroSeconds();

  track(table: SourceTable, task: Promise<void>): Promise<void> {
    const submitted = performance.now();
    return task.then(() => {
      const end = performance.now();
      this.seconds[table] += (end - Math.max(submitted, this.lastEnd)) / 1000;
      this.lastEnd = end;
    });
  }
}
