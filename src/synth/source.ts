/**
 * Where a loader's rows come from: the generator running in this thread (rows), or in a worker
 * thread that also serialises them to PostgreSQL COPY text (so generation runs on another core
 * while this thread feeds the server). Both produce the same events in the same order.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { DirtyReport } from './dirty.js';
import type { NextIds } from './encounters.js';
import type { SynthChunk, SynthState } from './generator.js';
import type { ChunkTuning, ResolvedSynthOptions, SynthRun } from './run.js';
import type { SourceTable } from './tables.js';

export type LoadEvent =
  | { kind: 'chunk'; chunk: SynthChunk }
  /** Ready-made COPY text (UTF-8) holding `rows` rows of `table`. */
  | { kind: 'copy'; table: SourceTable; rows: number; data: Uint8Array }
  /** Day `day` starts; everything before it has been emitted. `ids` are the next ids at its start. */
  | { kind: 'day'; day: number; ids: NextIds };

/** What a finished run produced. */
export interface RunSummary {
  firstDay: number;
  days: number;
  state: SynthState;
  counts: Record<SourceTable, number>;
  report: DirtyReport;
  generateSeconds: number;
}

/** Events to load (iterate once, with `for await`), and what the run produced. */
export type LoadSource = (Iterable<LoadEvent> | AsyncIterable<LoadEvent>) & {
  /** Valid once iteration has finished. */
  summary(): RunSummary;
};

/** Rows from a run in this thread; `dayEvents` adds a `day` event before each day's first chunk. */
export function inProcessSource(run: SynthRun, dayEvents: boolean): LoadSource {
  let generateSeconds = 0;
  return {
    *[Symbol.iterator]() {
      const it = run[Symbol.iterator]();
      let day: number | null = null;
      for (;;) {
        const t = performance.now();
        const next = it.next();
        generateSeconds += (performance.now() - t) / 1000;
        if (next.done) return;
        const chunk = next.value;
        if (dayEvents && chunk.day !== null && chunk.day !== day) {
          day = chunk.day;
          yield { kind: 'day', day, ids: run.dayStartIds.get(day)! };
        }
        yield { kind: 'chunk', chunk };
      }
    },
    summary: () => ({
      firstDay: run.firstDay,
      days: run.days,
      state: run.state,
      counts: { ...run.counts },
      report: run.report,
      generateSeconds,
    }),
  };
}

/** What the worker is asked to generate. */
export type WorkerJob =
  | {
      mode: 'create';
      options: ResolvedSynthOptions;
      tuning: ChunkTuning;
      dayEvents: boolean;
      flushBytes: number;
    }
  | {
      mode: 'continue';
      state: SynthState;
      days: number;
      /** See ContinueOptions.lateRows. */
      lateRows: boolean;
      tuning: ChunkTuning;
      dayEvents: boolean;
      flushBytes: number;
    };

export type WorkerMessage =
  | { type: 'copy'; table: SourceTable; rows: number; data: Uint8Array }
  | { type: 'day'; day: number; ids: NextIds }
  | { type: 'done'; summary: RunSummary }
  | { type: 'error'; message: string; stack?: string };

const WORKER_URL = new URL('./worker.js', import.meta.url);
/** Payloads the worker may have produced but this thread not yet taken. */
const CREDITS = 4;

/** True when the compiled worker is next to this module (not when running from TypeScript sources). */
export function workerAvailable(): boolean {
  return WORKER_URL.protocol === 'file:' && existsSync(fileURLToPath(WORKER_URL));
}

/** COPY payloads generated in a worker thread. Iterate to completion (or break) exactly once. */
export function workerSource(job: WorkerJob): LoadSource {
  let summary: RunSummary | null = null;
  return {
    async *[Symbol.asyncIterator]() {
      const credits = new Int32Array(new SharedArrayBuffer(4));
      credits[0] = CREDITS;
      // A larger young generation lets short-lived rows die without being copied (less GC work).
      const worker = new Worker(WORKER_URL, {
        workerData: { job, credits },
        resourceLimits: { maxYoungGenerationSizeMb: 96 },
      });
      const inbox: WorkerMessage[] = [];
      const status: { failure: Error | null; exited: boolean } = { failure: null, exited: false };
      let wake: (() => void) | null = null;
      const notify = (): void => {
        wake?.();
        wake = null;
      };
      worker.on('message', (m: WorkerMessage) => {
        inbox.push(m);
        notify();
      });
      worker.on('error', (e) => {
        status.failure ??= e;
        notify();
      });
      worker.on('exit', (code) => {
        status.exited = true;
        if (code !== 0 && !summary)
          status.failure ??= new Error(`synthetic data worker exited with code ${code}`);
        notify();
      });
      try {
        for (;;) {
          const m = inbox.shift();
          if (!m) {
            if (status.failure) throw status.failure;
            if (status.exited) throw new Error('synthetic data worker stopped before finishing');
            await new Promise<void>((resolve) => (wake = resolve));
            continue;
          }
          if (m.type === 'error') throw Object.assign(new Error(m.message), { stack: m.stack });
          if (m.type === 'done') {
            summary = m.summary;
            return;
          }
          Atomics.add(credits, 0, 1);
          Atomics.notify(credits, 0);
          yield m.type === 'copy'
            ? { kind: 'copy', table: m.table, rows: m.rows, data: m.data }
            : { kind: 'day', day: m.day, ids: m.ids };
        }
      } finally {
        await worker.terminate();
      }
    },
    summary: () => {
      if (!summary) throw new Error('internal: the worker run has not finished');
      return summary;
    },
  };
}
