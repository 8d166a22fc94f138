/**
 * The measured phase of scripts/bench_write.ts, run in a child process (the script forked with the
 * task in MOH_BENCH_TASK), so its peak RSS (VmHWM) is that phase's alone: the whole pipeline
 * (runExtract, mode full) to one format, or the extraction alone (planSource + readBatches, batches
 * discarded). Times are taken around the measured work.
 */
import { readFileSync, statSync } from 'node:fs';
import { loadConfig, type LoadedConfig } from '../../src/config/load.js';
import type { OutputFormat } from '../../src/config/schema.js';
import { openConnection } from '../../src/db/connection.js';
import { readBatches } from '../../src/extract/batches.js';
import { bounded, planSource } from '../../src/extract/plan.js';
import { silentLogger } from '../../src/observe/logger.js';
import { runExtract } from '../../src/pipeline/extract-step.js';

export const TASK_VAR = 'MOH_BENCH_TASK';
export const PASSWORD_VAR = 'MOH_BENCH_PASSWORD';

export interface Task {
  root: string;
  source: string;
  /** A format: the whole pipeline to that format; undefined: extraction only. */
  format?: OutputFormat;
}

export interface Measurement {
  rows: number;
  seconds: number;
  cpuSeconds?: number;
  peakRssBytes?: number;
  bytes?: number;
}

export function peakRss(): number {
  const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) * 1024 : process.resourceUsage().maxRSS * 1024;
}

export async function runTask(task: Task): Promise<Measurement> {
  const loaded: LoadedConfig = loadConfig({
    root: task.root,
    env: { [PASSWORD_VAR]: process.env[PASSWORD_VAR] },
  });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let rows = 0;
  let bytes: number | undefined;
  if (task.format) {
    const summary = await runExtract(
      loaded,
      { sources: [task.source], mode: 'full', formats: [task.format] },
      silentLogger(),
    );
    const result = summary.sources[0];
    if (result?.status !== 'succeeded') throw new Error(`runExtract failed: ${result?.error ?? 'no result'}`);
    rows = result.rows;
    bytes = result.files.reduce((sum, f) => sum + statSync(f).size, 0);
  } else {
    const source = loaded.config.sources[task.source]!;
    const conn = openConnection(
      source.connection,
      loaded.config.connections[source.connection]!,
      loaded.root,
    );
    try {
      const plan = await planSource(conn, {
        name: task.source,
        source,
        template: loaded.queries[source.query ?? task.source]!,
        mode: 'full',
        timeZone: loaded.config.extraction.timezone,
        batchSize: loaded.config.extraction.batch_size,
      });
      for await (const batch of readBatches(conn, bounded(conn, plan, undefined), undefined))
        rows += batch.rows.length;
    } finally {
      await conn.close();
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { rows, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, peakRssBytes: peakRss(), bytes };
}
