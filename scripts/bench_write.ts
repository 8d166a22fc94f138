#!/usr/bin/env node
/**
 * Writer benchmark: loads N synthetic attendances into a throwaway PostgreSQL and measures, end to end
 * with the real pipeline (runExtract, mode full), PostgreSQL → Parquet, → CSV and → Excel (on the first
 * --excel-rows attendances), beside psql `\copy (select * from …) to '/dev/null' csv` on the same table
 * and the extraction alone (planSource + readBatches, batches discarded: what the writer adds is the rest).
 *
 *   npm run build && npm run bench:write -- [--attendances 2000000] [--excel-rows 500000]
 *     [--formats parquet,csv,xlsx] [--batch-size N] [--seed 42] [--start-date 2025-01-06] [--cpu-prof DIR]
 *
 * "writer µs/row" is what a format adds per row over the extraction alone (1/rate − 1/extraction
 * rate): the writer's own cost on the extraction's critical path, whatever the extraction's speed.
 *
 * Each Node phase runs in its own child process (this file, forked with MOH_BENCH_TASK set), so its peak
 * RSS (VmHWM) is that phase's alone; times are taken in the child around the measured work. psql runs
 * under /usr/bin/time for its peak RSS. Temp project and server are removed on success, failure, Ctrl-C.
 * The measured phase is scripts/lib/bench-write-task.ts, the children and psql bench-write-children.ts,
 * the project bench-write-project.ts.
 */
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import type { OutputFormat } from '../src/config/schema.js';
import { parseDate } from '../src/synth/calendar.js';
import { attendanceCount, createDemoDatabase, DEFAULT_OPTIONS } from '../src/synth/index.js';
import { children, psqlCopy, runChild } from './lib/bench-write-children.js';
import { writeProject } from './lib/bench-write-project.js';
import { runTask, TASK_VAR, type Measurement, type Task } from './lib/bench-write-task.js';
import { startPostgres } from './lib/servers.js';

const SELF = fileURLToPath(import.meta.url);
/** Removed on any exit (servers.ts stops the server on exit by itself). */
const tempDirs = new Set<string>();
const MB = 1024 * 1024;

// ---------------------------------------------------------------------------------------------------------
// Parent: the run and the report

const USAGE = `usage: npm run bench:write -- [options]   (npm run build first)

PostgreSQL → Parquet, CSV and Excel end to end (runExtract), beside psql \\copy to /dev/null and the
extraction alone, on a throwaway PostgreSQL loaded with synthetic attendances.

  --attendances N     rows in the attendances table (default 2000000)
  --excel-rows N      rows for the Excel phase, the first N attendances (default 500000)
  --formats LIST      comma-separated subset of parquet,csv,xlsx (default all three)
  --batch-size N      extraction.batch_size for every phase (default: the repository's config)
  --seed N            synthetic data seed (default ${DEFAULT_OPTIONS.seed})
  --start-date D      first synthetic day (default ${DEFAULT_OPTIONS.startDate})
  --cpu-prof DIR      write a V8 CPU profile of every Node phase into DIR
  -h, --help          this text`;

const fmt = (n: number, digits = 0): string =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const rate = (m: Measurement): number => m.rows / m.seconds;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      attendances: { type: 'string', default: '2000000' },
      'excel-rows': { type: 'string', default: '500000' },
      seed: { type: 'string', default: String(DEFAULT_OPTIONS.seed) },
      'start-date': { type: 'string', default: DEFAULT_OPTIONS.startDate },
      formats: { type: 'string', default: 'parquet,csv,xlsx' },
      'batch-size': { type: 'string' },
      'cpu-prof': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const batchSize = values['batch-size'] === undefined ? undefined : Number(values['batch-size']);
  const formats = new Set(values.formats.split(',').map((f) => f.trim()));
  for (const f of formats)
    if (!['parquet', 'csv', 'xlsx'].includes(f)) throw new Error(`--formats: unknown format "${f}"`);
  const target = Number(values.attendances);
  const excelRows = Number(values['excel-rows']);
  const seed = Number(values.seed);
  const startDate = values['start-date'];
  const days = Math.max(1, Math.round(target / 20_000));
  let atScale1 = 0;
  for (let d = 0; d < days; d++) atScale1 += attendanceCount(seed, parseDate(startDate) + d, 1);
  const scale = Number((target / atScale1).toFixed(6));
  const profArgs = values['cpu-prof']
    ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(values['cpu-prof'])]
    : [];
  const log = (s: string): void => void process.stderr.write(`[bench] ${s}\n`);

  const loadAtStart = os.loadavg()[0] ?? 0;
  const server = await startPostgres();
  const root = await mkdtemp(path.join(os.tmpdir(), 'moh-etl-bench-write-'));
  tempDirs.add(root);
  const client = new pg.Client({ connectionString: server.url });
  const excelTable = 'attendances_excel';
  try {
    await client.connect();
    log(`loading ~${fmt(target)} attendances (${days} days, scale ${scale})`);
    const load = await createDemoDatabase({ dialect: 'postgres', client }, { seed, scale, startDate, days });
    await client.query(
      `CREATE TABLE ${excelTable} AS SELECT * FROM attendances ORDER BY attendance_id LIMIT ${excelRows}`,
    );
    await client.query(`ALTER TABLE ${excelTable} ADD PRIMARY KEY (attendance_id)`);
    await client.query(`VACUUM (ANALYZE) attendances, ${excelTable}`);
    await writeProject(root, server, excelTable, batchSize);
    const rows = load.counts.attendances;

    const results: { phase: string; m: Measurement; ref: Measurement }[] = [];
    const phase = async (
      name: string,
      ref: Measurement | undefined,
      run: () => Promise<Measurement>,
      expected: number,
    ) => {
      log(name);
      const m = await run();
      if (m.rows !== expected) throw new Error(`${name}: ${m.rows} rows, expected ${expected}`);
      results.push({ phase: name, m, ref: ref ?? m });
      rmSync(path.join(root, 'data'), { recursive: true, force: true });
      return m;
    };
    const child = (source: string, format?: OutputFormat) => () =>
      runChild(SELF, { root, source, format }, server.password, profArgs);
    const copy = await phase(
      'psql \\copy attendances to /dev/null (csv)',
      undefined,
      () => psqlCopy(server, 'attendances', root),
      rows,
    );
    const extract = await phase('extraction only (batches discarded)', copy, child('attendances'), rows);
    const parquet = formats.has('parquet')
      ? await phase('runExtract → Parquet (zstd)', copy, child('attendances', 'parquet'), rows)
      : undefined;
    const csv = formats.has('csv')
      ? await phase('runExtract → CSV', copy, child('attendances', 'csv'), rows)
      : undefined;
    let xlsx: Measurement | undefined;
    if (formats.has('xlsx')) {
      const copyX = await phase(
        `psql \\copy ${excelTable} to /dev/null (csv)`,
        undefined,
        () => psqlCopy(server, excelTable, root),
        excelRows,
      );
      xlsx = await phase('runExtract → Excel', copyX, child(excelTable, 'xlsx'), excelRows);
    }

    const p = (s = ''): void => console.log(s);
    p(
      `PostgreSQL ${server.version.split(' ')[1] ?? server.version}; Node ${process.version}; ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'})`,
    );
    p(
      `${fmt(rows)} attendances (${load.firstDate}..${load.lastDate}, seed ${seed}); Excel on the first ${fmt(excelRows)}`,
    );
    p();
    const header = [
      'phase',
      'rows',
      'seconds',
      'rows/s',
      'vs COPY',
      'writer µs/row',
      'peak RSS MB',
      'CPU s',
      'file MB',
    ];
    // Per-row cost over the extraction alone; the Excel table is smaller, so it is left out.
    const writerCost = (m: Measurement) =>
      m === parquet || m === csv ? (1e6 * (1 / rate(m) - 1 / rate(extract))).toFixed(2) : '-';
    const cells = results.map(({ phase: name, m, ref }) => [
      name,
      fmt(m.rows),
      m.seconds.toFixed(2),
      fmt(rate(m)),
      m === ref ? '-' : `${((100 * rate(m)) / rate(ref)).toFixed(0)}%`,
      writerCost(m),
      m.peakRssBytes === undefined ? '-' : fmt(m.peakRssBytes / MB),
      m.cpuSeconds === undefined ? '-' : m.cpuSeconds.toFixed(2),
      m.bytes === undefined ? '-' : fmt(m.bytes / MB, 1),
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
    const line = (c: string[]) =>
      c.map((v, i) => (i === 0 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join('  ');
    p(line(header));
    p(widths.map((w) => '-'.repeat(w)).join('  '));
    for (const c of cells) p(line(c));
    p();
    const measured = [parquet, csv, xlsx].filter((m) => m !== undefined);
    const rss = Math.max(...measured.map((m) => m.peakRssBytes ?? 0));
    const check = (ok: boolean) => (ok ? 'PASS' : 'FAIL');
    const ratio = (m: Measurement, target: number, name: string) =>
      `${name} ≥ ${100 * target}% of COPY: ${((100 * rate(m)) / rate(copy)).toFixed(0)}% ${check(rate(m) >= target * rate(copy))}`;
    p(
      'targets: ' +
        [
          parquet && ratio(parquet, 0.3, 'Parquet'),
          csv && ratio(csv, 0.6, 'CSV'),
          xlsx && `Excel ≥ 20,000 rows/s: ${fmt(rate(xlsx))} ${check(rate(xlsx) >= 20_000)}`,
          `peak RSS < 300 MB: ${fmt(rss / MB)} ${check(rss < 300 * MB)}`,
        ]
          .filter(Boolean)
          .join('; '),
    );
    p(
      `1-minute load average ${loadAtStart.toFixed(2)} at start, ${(os.loadavg()[0] ?? 0).toFixed(2)} at end (2 cores: above ~1 means other work shared the CPUs)`,
    );
  } finally {
    await client.end().catch(() => undefined);
    for (const c of children) c.kill('SIGKILL');
    await server.stop();
    await rm(root, { recursive: true, force: true, maxRetries: 3 });
    tempDirs.delete(root);
  }
}

const task = process.env[TASK_VAR];
if (task !== undefined) {
  process.on('disconnect', () => process.exit(1));
  let message: { ok: boolean; result?: Measurement; error?: string };
  try {
    message = { ok: true, result: await runTask(JSON.parse(task) as Task) };
  } catch (e) {
    message = { ok: false, error: e instanceof Error ? (e.stack ?? e.message) : String(e) };
  }
  process.removeAllListeners('disconnect');
  process.send!(message, () => process.exit(message.ok ? 0 : 1));
} else {
  process.on('exit', () => {
    for (const c of children) c.kill('SIGKILL');
    for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
    process.once(signal, () => process.exit(128 + os.constants.signals[signal]));
  await main();
}
