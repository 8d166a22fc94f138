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
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { parse, stringify } from 'yaml';
import { loadConfig, type LoadedConfig } from '../src/config/load.js';
import type { OutputFormat } from '../src/config/schema.js';
import { openConnection } from '../src/db/connection.js';
import { readBatches } from '../src/extract/batches.js';
import { bounded, planSource } from '../src/extract/plan.js';
import { silentLogger } from '../src/observe/logger.js';
import { runExtract } from '../src/pipeline/extract-step.js';
import { parseDate } from '../src/synth/calendar.js';
import { attendanceCount, createDemoDatabase, DEFAULT_OPTIONS } from '../src/synth/index.js';
import { BENCH_ATTENDANCES_SQL } from './lib/bench-template.js';
import { startPostgres, type RunningServer } from './lib/servers.js';

const SELF = fileURLToPath(import.meta.url);
/** Removed on any exit (servers.ts stops the server on exit by itself). */
const tempDirs = new Set<string>();
const TASK_VAR = 'MOH_BENCH_TASK';
const PASSWORD_VAR = 'MOH_BENCH_PASSWORD';
const MB = 1024 * 1024;

interface Task {
  root: string;
  source: string;
  /** A format: the whole pipeline to that format; undefined: extraction only. */
  format?: OutputFormat;
}

interface Measurement {
  rows: number;
  seconds: number;
  cpuSeconds?: number;
  peakRssBytes?: number;
  bytes?: number;
}

function peakRss(): number {
  const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) * 1024 : process.resourceUsage().maxRSS * 1024;
}

// ---------------------------------------------------------------------------------------------------------
// Child: one measured phase

async function runTask(task: Task): Promise<Measurement> {
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

// ---------------------------------------------------------------------------------------------------------
// Parent: children, psql, project

const children = new Set<ChildProcess>();
const track = <T extends ChildProcess>(child: T): T => {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
};

function runChild(task: Task, password: string, execArgv: string[]): Promise<Measurement> {
  return new Promise((resolve, reject) => {
    const child = track(
      fork(SELF, [], {
        execArgv,
        env: { ...process.env, [TASK_VAR]: JSON.stringify(task), [PASSWORD_VAR]: password },
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      }),
    );
    let message: { ok: boolean; result?: Measurement; error?: string } | undefined;
    child.on('message', (m) => (message = m as typeof message));
    child.on('error', reject);
    child.on('exit', (code, signal) =>
      message?.ok && message.result
        ? resolve(message.result)
        : reject(new Error(`child failed (${signal ?? `exit ${code}`}): ${message?.error ?? 'no result'}`)),
    );
  });
}

async function psqlCopy(server: RunningServer, table: string, dir: string): Promise<Measurement> {
  const timeFile = path.join(dir, `time-${table}.txt`);
  const psqlArgs = [
    ...['-X', '-v', 'ON_ERROR_STOP=1', '-h', server.host, '-p', String(server.port), '-U', server.user],
    ...['-d', server.database, '-c', `\\copy (select * from ${table}) to '/dev/null' csv`],
  ];
  const gnuTime = existsSync('/usr/bin/time');
  const [file, args] = gnuTime
    ? ['/usr/bin/time', ['-f', '%M %U %S', '-o', timeFile, 'psql', ...psqlArgs]]
    : ['psql', psqlArgs];
  const t0 = performance.now();
  const { code, out } = await new Promise<{ code: number | null; out: string }>((resolve, reject) => {
    const child = track(spawn(file, args, { env: { ...process.env, PGPASSWORD: server.password } }));
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (c) => resolve({ code: c, out }));
  });
  const seconds = (performance.now() - t0) / 1000;
  const copied = /COPY (\d+)/.exec(out);
  if (code !== 0 || !copied) throw new Error(`psql failed (exit ${code}): ${out.trim()}`);
  const m: Measurement = { rows: Number(copied[1]), seconds };
  if (gnuTime) {
    const [kb, user, sys] = (await readFile(timeFile, 'utf8')).trim().split(/\s+/).map(Number);
    m.peakRssBytes = (kb ?? 0) * 1024;
    m.cpuSeconds = (user ?? 0) + (sys ?? 0);
  }
  return m;
}

function repoRoot(): string {
  for (let dir = path.dirname(SELF); path.dirname(dir) !== dir; dir = path.dirname(dir))
    if (existsSync(path.join(dir, 'config/queries.yml')) && existsSync(path.join(dir, 'package.json')))
      return dir;
  throw new Error('cannot find the repository (config/queries.yml)');
}

/** The repository's config with the connection pointed at the server, plus a source on `excelTable`. */
async function writeProject(
  root: string,
  server: RunningServer,
  excelTable: string,
  batchSize: number | undefined,
): Promise<void> {
  const repo = repoRoot();
  const doc = parse(await readFile(path.join(repo, 'config/database.yml'), 'utf8')) as {
    sources: Record<string, object>;
    connections: unknown;
    extraction?: object;
    validation?: unknown;
    schedules?: unknown;
    transform?: unknown;
    load?: unknown;
  };
  const queries = parse(await readFile(path.join(repo, 'config/queries.yml'), 'utf8')) as Record<
    string,
    { sql: string }
  >;
  const template = queries.attendances ? { ...queries.attendances, sql: BENCH_ATTENDANCES_SQL } : undefined;
  if (!doc.sources.attendances || !template)
    throw new Error('the repository config has no attendances source');
  // The benchmark's attendances read the table alone (no date of birth: no transform runs here).
  const source = { ...doc.sources.attendances, connection: 'src', pii_columns: ['patient_id'] };
  doc.sources = { attendances: source, [excelTable]: { ...source, query: excelTable } };
  queries.attendances = template;
  queries[excelTable] = {
    ...template,
    sql: template.sql.replace(/\bFROM\s+attendances\b/i, `FROM ${excelTable}`),
  };
  const { host, port, database, user } = server;
  doc.connections = {
    src: { client: 'postgres', host, port, database, user, password: `\${${PASSWORD_VAR}}` },
  };
  doc.extraction = {
    ...doc.extraction,
    default_connection: 'src',
    ...(batchSize === undefined ? {} : { batch_size: batchSize }),
  };
  // Checks name the repository's other sources, which this project drops; they are not measured here.
  delete doc.validation;
  delete doc.schedules;
  delete doc.transform;
  delete doc.load;
  await mkdir(path.join(root, 'config'), { recursive: true });
  await writeFile(path.join(root, 'config/database.yml'), stringify(doc));
  await writeFile(path.join(root, 'config/queries.yml'), stringify(queries));
  loadConfig({ root, env: { [PASSWORD_VAR]: server.password } }); // fail here, not in a child
}

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
      runChild({ root, source, format }, server.password, profArgs);
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
