/**
 * Worker-thread entry: runs the generator and serialises its rows to PostgreSQL COPY text, so
 * the loading thread only moves bytes to the server. See source.ts for the protocol: payloads go
 * out only while credits are available (the loading thread returns one per payload it takes).
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { SynthChunk } from './generator.js';
import { continueTimeline, generate } from './run.js';
import type { RunSummary, WorkerJob, WorkerMessage } from './source.js';
import { copyPayload, textColumns } from './store-postgres.js';
import { SOURCE_TABLES, type SourceTable } from './tables.js';

function main(job: WorkerJob, credits: Int32Array): void {
  const port = parentPort!;
  const run =
    job.mode === 'create'
      ? generate(job.options, job.tuning)
      : continueTimeline(job.state, job.days, job.tuning, { lateRows: job.lateRows });
  const pending = new Map<SourceTable, { parts: string[]; bytes: number; rows: number }>();
  const encoder = new TextEncoder();
  const text = new Map(SOURCE_TABLES.map((t) => [t, textColumns(t)]));
  let generateSeconds = 0;

  const send = (m: WorkerMessage, transfer: ArrayBuffer[] = []): void => {
    // Wait for a credit: the loading thread hands one back for each payload it takes.
    while (Atomics.load(credits, 0) <= 0) Atomics.wait(credits, 0, 0, 1000);
    Atomics.sub(credits, 0, 1);
    port.postMessage(m, transfer);
  };
  const flush = (): void => {
    for (const table of SOURCE_TABLES) {
      const p = pending.get(table);
      if (!p || p.rows === 0) continue;
      pending.delete(table);
      const data = encoder.encode(p.parts.join(''));
      send({ type: 'copy', table, rows: p.rows, data }, [data.buffer]);
    }
  };

  const it = run[Symbol.iterator]();
  let day: number | null = null;
  for (;;) {
    const t = performance.now();
    const next = it.next();
    if (next.done) break;
    const chunk: SynthChunk = next.value;
    if (job.dayEvents && chunk.day !== null && chunk.day !== day) {
      flush();
      day = chunk.day;
      send({ type: 'day', day, ids: run.dayStartIds.get(day)! });
    }
    let p = pending.get(chunk.table);
    if (!p) pending.set(chunk.table, (p = { parts: [], bytes: 0, rows: 0 }));
    const payload = copyPayload(chunk.rows, text.get(chunk.table));
    p.parts.push(payload);
    p.bytes += payload.length;
    p.rows += chunk.rows.length;
    generateSeconds += (performance.now() - t) / 1000;
    if (p.bytes >= job.flushBytes) flush();
  }
  flush();
  const summary: RunSummary = {
    firstDay: run.firstDay,
    days: run.days,
    state: run.state,
    counts: run.counts,
    report: run.report,
    generateSeconds,
  };
  port.postMessage({ type: 'done', summary } satisfies WorkerMessage);
}

if (!isMainThread && parentPort) {
  const { job, credits } = workerData as { job: WorkerJob; credits: Int32Array };
  try {
    main(job, credits);
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    parentPort.postMessage({ type: 'error', message: err.message, stack: err.stack } satisfies WorkerMessage);
  }
}
