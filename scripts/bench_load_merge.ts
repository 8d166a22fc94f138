#!/usr/bin/env node
/**
 * Load benchmark: a full refresh of an N-row attendances-like dataset (12 columns), then merges of
 * increments into it (new rows plus ~10% updates of old keys, `recent` keys — the realistic case, a
 * visit is updated in the days after it — and `uniform` keys — the worst case, every file touched),
 * for the partitioned (monthly, 36 partitions) and unpartitioned layouts. Prints wall time, rows/s,
 * CPU seconds, rows rewritten and files, and peak RSS of each load.
 *
 *   npm run build && node dist/scripts/bench_load_merge.js [--rows 10000000] [--increments 25000,150000]
 *     [--picks recent,uniform] [--layouts partitioned,unpartitioned] [--update-share 0.1]
 *     [--memory-limit 256MB] [--threads 2] [--keep]
 *
 * Each load runs in its own child process (this file, forked with MOH_BENCH_LOAD set), so its peak RSS
 * (VmHWM) is that load's alone, DuckDB included; times are taken in the child around the load.
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadSchema } from '../src/config/load-schema.js';
import { openDatasetStore, type LoadKind, type LoadResult } from '../src/load/index.js';
import { BENCH_COLUMNS, writeBase, writeIncrement, type UpdatePick } from './lib/bench-load-data.js';
import { peakRss } from './lib/bench-measure.js';

const SELF = fileURLToPath(import.meta.url);
const TASK_VAR = 'MOH_BENCH_LOAD';
const MB = 1024 * 1024;

interface Task {
  root: string;
  kind: LoadKind;
  file: string;
  runId: string;
  partitioned: boolean;
  memoryLimit: string;
  threads: number;
}

interface Measured {
  result: LoadResult;
  seconds: number;
  cpuSeconds: number;
  peakRssBytes: number;
}

async function runTask(task: Task): Promise<Measured> {
  const config = loadSchema.parse({
    memory_limit: task.memoryLimit,
    threads: task.threads,
    sources: task.partitioned
      ? { attendances: { partition_by: { column: 'visit_date', granularity: 'month', name: 'visit_month' } } }
      : {},
  });
  const store = openDatasetStore(config, task.root);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const result = await store.load(task.kind, {
    source: 'attendances',
    runs: [{ run_id: task.runId, files: [task.file] }],
    columns: BENCH_COLUMNS,
    key_columns: ['attendance_id'],
    cursor_column: 'updated_at',
  });
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { result, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, peakRssBytes: peakRss() };
}

function runChild(task: Task): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const child = fork(SELF, [], {
      env: { ...process.env, [TASK_VAR]: JSON.stringify(task) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let message: { ok: boolean; measured?: Measured; error?: string } | undefined;
    child.on('message', (m) => (message = m as typeof message));
    child.on('error', reject);
    child.on('exit', (code, signal) =>
      message?.ok && message.measured
        ? resolve(message.measured)
        : reject(new Error(`child failed (${signal ?? `exit ${code}`}): ${message?.error ?? 'no result'}`)),
    );
  });
}

function line(label: string, m: Measured): string {
  const r = m.result;
  return [
    label.padEnd(34),
    `${m.seconds.toFixed(2).padStart(6)} s`,
    `${Math.round(r.rows_in / m.seconds)
      .toLocaleString('en-US')
      .padStart(11)} rows/s`,
    `cpu ${m.cpuSeconds.toFixed(1).padStart(5)} s`,
    `rss ${Math.round(m.peakRssBytes / MB)} MB`.padEnd(11),
    `rows ${r.rows_after.toLocaleString('en-US')}`,
    `+${r.inserted} ~${r.updated} -${r.deleted}`,
    `rewrote ${r.rows_written.toLocaleString('en-US')} rows in ${r.files_written}/${r.files} files`,
  ].join('  ');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rows: { type: 'string', default: '10000000' },
      increments: { type: 'string', default: '25000,150000' },
      picks: { type: 'string', default: 'recent,uniform' },
      layouts: { type: 'string', default: 'partitioned,unpartitioned' },
      'update-share': { type: 'string', default: '0.1' },
      'memory-limit': { type: 'string', default: '256MB' },
      threads: { type: 'string', default: '2' },
      keep: { type: 'boolean', default: false },
    },
  });
  const total = Number(values.rows);
  const increments = values.increments.split(',').map(Number);
  const picks = values.picks.split(',') as UpdatePick[];
  const dir = mkdtempSync(path.join(os.tmpdir(), 'moh-bench-load-'));
  const cleanup = () =>
    values.keep ? console.log(`kept ${dir}`) : rmSync(dir, { recursive: true, force: true });
  process.once('SIGINT', () => {
    cleanup();
    process.exit(130);
  });
  try {
    console.log(
      `load benchmark: ${total.toLocaleString('en-US')} rows, ${os.cpus().length} cores, load ${os.loadavg()[0]!.toFixed(1)}`,
    );
    const base = path.join(dir, 'base.parquet');
    let t = performance.now();
    await writeBase(base, total);
    console.log(`generated the full extraction in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    const staged: { label: string; file: string }[] = [];
    let nextKey = total;
    let newKeys = 0;
    let seed = 1;
    for (const pick of picks)
      for (const rows of increments) {
        const file = path.join(dir, `inc-${pick}-${rows}.parquet`);
        t = performance.now();
        await writeIncrement(file, {
          total,
          nextKey,
          rows,
          updateShare: Number(values['update-share']),
          pick,
          seed,
        });
        nextKey += rows;
        newKeys += rows - Math.round(rows * Number(values['update-share']));
        seed += 1;
        staged.push({ label: `merge ${rows.toLocaleString('en-US')} (${pick} updates)`, file });
      }
    for (const layout of values.layouts.split(',')) {
      const root = path.join(dir, layout);
      const common = {
        root,
        partitioned: layout === 'partitioned',
        memoryLimit: values['memory-limit'],
        threads: Number(values.threads),
      };
      console.log(`\n${layout}`);
      const full = await runChild({ ...common, kind: 'replace', file: base, runId: 'full' });
      console.log(line(`replace ${total.toLocaleString('en-US')}`, full));
      for (const [i, inc] of staged.entries()) {
        const m = await runChild({ ...common, kind: 'merge', file: inc.file, runId: `inc-${i}` });
        console.log(line(inc.label, m));
      }
      // A full refresh over the merged dataset: the rows the increments added are hard deletes now.
      const again = await runChild({ ...common, kind: 'replace', file: base, runId: 'full-again' });
      console.log(line(`replace ${total.toLocaleString('en-US')} over the merged`, again));
      if (again.result.deleted !== newKeys || again.result.rows_after !== total)
        throw new Error(`replace counted ${again.result.deleted} hard deletes, expected ${newKeys}`);
    }
  } finally {
    cleanup();
  }
}

const task = process.env[TASK_VAR];
if (task) {
  runTask(JSON.parse(task) as Task).then(
    (measured) => process.send!({ ok: true, measured }, () => process.exit(0)),
    (e: unknown) =>
      process.send!({ ok: false, error: String((e as Error).stack ?? e) }, () => process.exit(1)),
  );
} else {
  main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
