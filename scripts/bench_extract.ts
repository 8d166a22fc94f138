#!/usr/bin/env node
/**
 * Extraction benchmark: loads N synthetic attendances into a throwaway PostgreSQL and measures, in one
 * run, how fast the attendances table comes out:
 *
 *   1. psql `\copy (select * from attendances) to '/dev/null' csv`: the physical reference;
 *   2. extraction only: planSource + readBatches over the whole table (mode full), batches discarded,
 *      at each of --batch-sizes (default 5,000, 10,000 and 50,000); then psql COPY again, and the
 *      reference for "vs COPY" is both COPY runs together (the machine's load may change in between);
 *   3. end to end: runExtract, mode full, to CSV with the real writer;
 *   4. incremental: a first run sets the watermark (it reads the whole history), one day is appended
 *      with advanceDemo, and the second incremental run is timed;
 *   5. with --sizes: step 1 and 2 again at other table sizes, to show that peak RSS stays flat.
 *
 *   npm run build && npm run bench:extract -- [--attendances 2000000] [--sizes 1000000,2000000,4000000]
 *     [--batch-sizes 5000,10000,50000] [--extract-only] [--days D] [--seed 42] [--start-date 2025-01-06]
 *     [--cpu-prof DIR]
 *
 * --extract-only skips steps 3 and 4 (the writers and incremental runs), for iterating on extraction.
 *
 * Each measured Node phase runs in its own child process (scripts/lib/bench-extract-child.ts), so its
 * peak RSS (VmHWM) belongs to that phase alone; times are taken inside the child around the measured
 * work (Node start-up and module loading excluded). "proc CPU s" is that process's user + system time
 * (all its threads, garbage collector included). psql runs under /usr/bin/time for its peak RSS and
 * CPU when available. "machine CPU s" is busy CPU time of the whole machine (all cores: the client, the
 * PostgreSQL server and anything else running) over the phase, from /proc/stat.
 *
 * Sizes other than --attendances are not generated: they are built from the loaded table by copying
 * it with shifted attendance_ids (CREATE TABLE … ; INSERT … SELECT), then indexed and VACUUM ANALYZEd.
 * Rows keep the widths and value distributions of generated rows; only the generator's cost is saved.
 *
 * The server is stopped and the temp project directory removed on success, failure and Ctrl-C.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import copyStreams from 'pg-copy-streams';
import { parse, stringify } from 'yaml';
import { loadConfig } from '../src/config/load.js';
import { parseDate } from '../src/synth/calendar.js';
import {
  advanceDemo,
  assertTimelineInPast,
  attendanceCount,
  createDemoDatabase,
  DEFAULT_OPTIONS,
  TABLES,
} from '../src/synth/index.js';
import {
  busyBetween,
  machineBusySeconds,
  PASSWORD_VAR,
  TASK_VAR,
  type ChildMessage,
  type Measurement,
  type Task,
} from './lib/bench-measure.js';
import { startPostgres, type RunningServer } from './lib/servers.js';

const SELF = fileURLToPath(import.meta.url);
const CHILD = fileURLToPath(new URL('./lib/bench-extract-child.js', import.meta.url));
const SOURCE = 'attendances';
const MB = 1024 * 1024;

// ---------------------------------------------------------------------------------------------------------
// Parent: processes we started, removed on any exit

const children = new Set<ChildProcess>();
const tempDirs = new Set<string>();

function cleanupSync(): void {
  for (const child of children) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  children.clear();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true, maxRetries: 2 });
  tempDirs.clear();
}

function track<T extends ChildProcess>(child: T): T {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

function runChild(task: Task, password: string, execArgv: string[] = []): Promise<Measurement> {
  return new Promise((resolve, reject) => {
    const child = track(
      fork(CHILD, [], {
        execArgv,
        env: { ...process.env, [TASK_VAR]: JSON.stringify(task), [PASSWORD_VAR]: password },
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      }),
    );
    let message: ChildMessage | undefined;
    child.on('message', (m) => (message = m as ChildMessage));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (message?.ok) resolve(message.result);
      else {
        const why = message ? message.error : 'no result';
        reject(new Error(`${task.kind} child failed (${signal ?? `exit ${code}`}): ${why}`));
      }
    });
  });
}

/** psql's `\copy … to '/dev/null' csv`, under /usr/bin/time for its peak RSS and CPU when available. */
async function psqlCopy(server: RunningServer, table: string, dir: string): Promise<Measurement> {
  const psql = ['/usr/bin/psql', '/usr/local/bin/psql'].find((p) => existsSync(p));
  if (!psql) return copyPassthrough(server, table);
  const timeFile = path.join(dir, `time-${table}.txt`);
  const gnuTime = existsSync('/usr/bin/time');
  const psqlArgs = [
    ...['-X', '-v', 'ON_ERROR_STOP=1', '-h', server.host, '-p', String(server.port)],
    ...['-U', server.user, '-d', server.database],
    ...['-c', `\\copy (select * from ${table}) to '/dev/null' csv`],
  ];
  const [file, args] = gnuTime
    ? ['/usr/bin/time', ['-f', '%M %U %S', '-o', timeFile, psql, ...psqlArgs]]
    : [psql, psqlArgs];
  const busy0 = machineBusySeconds();
  const t0 = performance.now();
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
    (resolve, reject) => {
      const child = track(
        spawn(file, args, {
          env: { ...process.env, PGPASSWORD: server.password, PGCONNECT_TIMEOUT: '10' },
          stdio: ['ignore', 'pipe', 'pipe'],
        }),
      );
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.on('error', reject);
      child.on('close', (c) => resolve({ code: c, stdout: out, stderr: err }));
    },
  );
  const seconds = (performance.now() - t0) / 1000;
  const busy1 = machineBusySeconds();
  if (code !== 0) throw new Error(`psql failed (exit ${code}): ${stderr.trim()}`);
  const copied = /COPY (\d+)/.exec(stdout);
  if (!copied) throw new Error(`psql printed no COPY count: ${stdout.trim()}`);
  const m: Measurement = {
    rows: Number(copied[1]),
    seconds,
    machineCpuSeconds: busyBetween(busy0, busy1),
  };
  if (gnuTime) {
    const [kb, user, sys] = (await readFile(timeFile, 'utf8')).trim().split(/\s+/).map(Number);
    if (kb !== undefined && Number.isFinite(kb)) m.peakRssBytes = kb * 1024;
    if (user !== undefined && sys !== undefined) m.cpuSeconds = user + sys;
  }
  return m;
}

/** Without psql: the server's COPY text passed through node-postgres into a null sink. */
async function copyPassthrough(server: RunningServer, table: string): Promise<Measurement> {
  const client = new pg.Client({ connectionString: server.url });
  await client.connect();
  try {
    const busy0 = machineBusySeconds();
    const t0 = performance.now();
    const stream = client.query(copyStreams.to(`COPY (select * from ${table}) TO STDOUT (FORMAT csv)`));
    const sink = new Writable({ write: (_chunk, _enc, done) => done() });
    await pipeline(stream, sink);
    const busy1 = machineBusySeconds();
    return {
      rows: stream.rowCount,
      seconds: (performance.now() - t0) / 1000,
      machineCpuSeconds: busyBetween(busy0, busy1),
    };
  } finally {
    await client.end();
  }
}

// ---------------------------------------------------------------------------------------------------------
// Parent: set-up

/** The directory holding config/queries.yml, searched upwards from this file (scripts/ or dist/scripts/). */
function repoRoot(): string {
  for (let dir = path.dirname(SELF); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'config/queries.yml')) && existsSync(path.join(dir, 'package.json')))
      return dir;
    if (path.dirname(dir) === dir) throw new Error('cannot find the repository (config/queries.yml)');
  }
}

const sizedTable = (rows: number): string => `bench_attendances_${rows}`;
const sizedSource = (rows: number): string => `attendances_${rows}`;

/**
 * A project root whose config points the attendances source (and one source per extra size) at the
 * server: the repository's config/database.yml and queries.yml with the connection replaced, as
 * test/helpers/demo-source.ts does. The password comes from the environment, not the file.
 */
async function writeProject(root: string, server: RunningServer, sizes: number[]): Promise<void> {
  const repo = repoRoot();
  const doc = parse(await readFile(path.join(repo, 'config/database.yml'), 'utf8')) as Record<
    string,
    Record<string, unknown>
  >;
  const queries = parse(await readFile(path.join(repo, 'config/queries.yml'), 'utf8')) as Record<
    string,
    { sql: string }
  >;
  const source = (doc.sources as Record<string, Record<string, unknown>>)[SOURCE];
  const template = queries[SOURCE];
  if (!source || !template) throw new Error(`the repository config has no ${SOURCE} source or query`);
  const sources: Record<string, unknown> = { [SOURCE]: { ...source, connection: 'src' } };
  const fromTable = /\bFROM\s+attendances\b/i;
  if (sizes.length > 0 && !fromTable.test(template.sql))
    throw new Error(`the ${SOURCE} query does not read FROM attendances: ${template.sql}`);
  for (const rows of sizes) {
    sources[sizedSource(rows)] = { ...source, connection: 'src', query: sizedSource(rows) };
    queries[sizedSource(rows)] = {
      ...template,
      sql: template.sql.replace(fromTable, `FROM ${sizedTable(rows)}`),
    };
  }
  doc.connections = {
    src: {
      client: 'postgres',
      host: server.host,
      port: server.port,
      database: server.database,
      user: server.user,
      password: `\${${PASSWORD_VAR}}`,
    },
  };
  doc.sources = sources;
  // The repository's validation checks name sources (and references between them) this project
  // does not have; the benchmark measures extraction, not validation.
  if (doc.validation) doc.validation = { ...doc.validation, sources: {} };
  doc.extraction = { ...doc.extraction, default_connection: 'src' };
  await mkdir(path.join(root, 'config'), { recursive: true });
  await writeFile(path.join(root, 'config/database.yml'), stringify(doc));
  await writeFile(path.join(root, 'config/queries.yml'), stringify(queries));
  loadConfig({ root, env: { [PASSWORD_VAR]: server.password } }); // fail here, not in a child
}

/** `rows` attendances (copies of the loaded table with shifted ids), primary key, VACUUM ANALYZE. */
async function buildSizedTable(client: pg.Client, rows: number): Promise<number> {
  const table = sizedTable(rows);
  const columns = TABLES.attendances.columns.map((c) => c.name);
  const maxId = Number(
    (await client.query<{ m: string }>('SELECT max(attendance_id) AS m FROM attendances')).rows[0]?.m,
  );
  await client.query(`DROP TABLE IF EXISTS ${table}`);
  await client.query(`CREATE TABLE ${table} (LIKE attendances INCLUDING DEFAULTS)`);
  let inserted = 0;
  for (let k = 0; inserted < rows; k++) {
    const select = columns.map((c) => (c === 'attendance_id' ? `attendance_id + ${k * maxId}` : c));
    const res = await client.query(
      `INSERT INTO ${table} (${columns.join(', ')}) SELECT ${select.join(', ')} FROM attendances ` +
        `ORDER BY attendance_id LIMIT ${rows - inserted}`,
    );
    if (!res.rowCount) throw new Error(`no rows copied into ${table}`);
    inserted += res.rowCount;
  }
  await client.query(`ALTER TABLE ${table} ADD PRIMARY KEY (attendance_id)`);
  await client.query(`VACUUM (ANALYZE) ${table}`);
  return inserted;
}

// ---------------------------------------------------------------------------------------------------------
// Parent: report

const fmt = (n: number, digits = 0): string =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const mb = (bytes: number | undefined): string => (bytes === undefined ? '-' : fmt(bytes / MB));
const secs = (s: number | undefined): string => (s === undefined ? '-' : s.toFixed(2));
const rate = (m: Measurement): number => (m.seconds > 0 ? m.rows / m.seconds : 0);

interface Row {
  phase: string;
  m: Measurement;
  note?: string;
}

function table(rows: Row[], reference: Measurement): string[] {
  const header = [
    'phase',
    'rows',
    'seconds',
    'rows/s',
    'vs COPY',
    'peak RSS MB',
    'proc CPU s',
    'machine CPU s',
  ];
  const cells = rows.map(({ phase, m }) => [
    phase,
    fmt(m.rows),
    m.seconds.toFixed(2),
    m.rows > 0 ? fmt(rate(m)) : '-',
    m.rows > 0 ? `${((100 * rate(m)) / rate(reference)).toFixed(0)}%` : '-',
    mb(m.peakRssBytes),
    secs(m.cpuSeconds),
    secs(m.machineCpuSeconds),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]): string =>
    c.map((v, i) => (i === 0 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join('  ');
  const out = [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)];
  const notes = rows.filter((r) => r.note);
  if (notes.length) out.push('', ...notes.map((r) => `${r.phase}: ${r.note!}`));
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Parent: the run

/** Batch sizes of the extraction-only phase: 5,000 keeps a batch young (see docs/ARCHITECTURE.md, Performance). */
const DEFAULT_BATCH_SIZES = [5_000, 10_000, 50_000];

const USAGE = `npm run bench:extract -- [options]   (after npm run build)

  --attendances N       rows to load (default 2000000)
  --sizes A,B,…         also measure COPY and extraction at these table sizes (flat RSS check)
  --batch-sizes A,B,…   extraction-only batch sizes (default ${DEFAULT_BATCH_SIZES.join(',')})
  --extract-only        skip the end-to-end and incremental phases
  --days D, --seed S, --start-date YYYY-MM-DD   generator options
  --cpu-prof DIR        write CPU profiles of the extraction-only children to DIR`;

function parseBatchSize(text: string): number {
  const n = Number(text.replace(/[_,]/g, ''));
  if (!Number.isInteger(n) || n < 1) throw new Error(`--batch-sizes must be positive integers, got ${text}`);
  return n;
}

function parseCount(name: string, text: string): number {
  const n = Number(text.replace(/[_,]/g, ''));
  if (!Number.isInteger(n) || n < 1000) throw new Error(`${name} must be an integer >= 1000, got ${text}`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      attendances: { type: 'string', default: '2000000' },
      sizes: { type: 'string' },
      days: { type: 'string' },
      seed: { type: 'string', default: String(DEFAULT_OPTIONS.seed) },
      'start-date': { type: 'string', default: DEFAULT_OPTIONS.startDate },
      'cpu-prof': { type: 'string' },
      'batch-sizes': { type: 'string', default: DEFAULT_BATCH_SIZES.join(',') },
      'extract-only': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const target = parseCount('--attendances', values.attendances);
  const sizes = [
    ...new Set(
      (values.sizes ?? '')
        .split(',')
        .filter(Boolean)
        .map((s) => parseCount('--sizes', s)),
    ),
  ].sort((a, b) => a - b);
  const batchSizes = [
    ...new Set(
      values['batch-sizes']
        .split(',')
        .filter(Boolean)
        .map((s) => parseBatchSize(s)),
    ),
  ];
  const seed = Number(values.seed);
  const startDate = values['start-date'];
  // About 19,500 attendances a day at scale 1 averaged over the week: days near N / 20,000 keep scale ≈ 1.
  const days = values.days ? Number(values.days) : Math.max(1, Math.round(target / 20_000));
  if (!Number.isInteger(days) || days < 1) throw new Error('--days must be a positive integer');
  assertTimelineInPast(startDate, days + 1); // +1: the incremental phase appends a day
  let atScale1 = 0;
  for (let d = 0; d < days; d++) atScale1 += attendanceCount(seed, parseDate(startDate) + d, 1);
  const scale = Number((target / atScale1).toFixed(6));
  if (scale > 20) throw new Error(`scale ${scale} > 20: pass more --days`);
  const profDir = values['cpu-prof'] ? path.resolve(values['cpu-prof']) : undefined;
  const profArgs = profDir ? ['--cpu-prof', '--cpu-prof-dir', profDir] : [];

  const started = performance.now();
  const loadAtStart = os.loadavg()[0] ?? 0;
  const root = await mkdtemp(path.join(os.tmpdir(), 'moh-etl-bench-extract-'));
  tempDirs.add(root);
  let server: RunningServer;
  try {
    server = await startPostgres();
  } catch (e) {
    await rm(root, { recursive: true, force: true });
    throw e;
  }
  const client = new pg.Client({ connectionString: server.url });
  const log = (s: string): void => void process.stderr.write(`[bench] ${s}\n`);
  const pw = server.password;
  try {
    await client.connect();
    log(
      `PostgreSQL on port ${server.port}; loading ~${fmt(target)} attendances (${days} days, scale ${scale})`,
    );
    const load = await createDemoDatabase({ dialect: 'postgres', client }, { seed, scale, startDate, days });
    const rows = load.counts.attendances;
    let t = performance.now();
    await client.query(`VACUUM (ANALYZE) attendances`);
    const vacuumSeconds = (performance.now() - t) / 1000;
    const tableBytes = Number(
      (await client.query<{ b: string }>(`SELECT pg_table_size('attendances') AS b`)).rows[0]?.b,
    );
    const extraSizes = sizes.filter((s) => s !== rows);
    await writeProject(root, server, extraSizes);

    const results: Row[] = [];
    const problems: string[] = [];
    const add = (phase: string, m: Measurement, note?: string): Measurement => {
      results.push({ phase, m, note });
      log(`${phase}: ${fmt(m.rows)} rows in ${m.seconds.toFixed(2)} s, peak RSS ${mb(m.peakRssBytes)} MB`);
      return m;
    };
    // A wrong row count is reported (and fails the run) but does not throw away the other figures.
    const check = (what: string, m: Measurement, expected: number): void => {
      if (m.rows !== expected) problems.push(`${what}: ${fmt(m.rows)} rows, expected ${fmt(expected)}`);
    };

    log('1. psql COPY');
    const copy = add('1. psql \\copy to /dev/null (csv)', await psqlCopy(server, 'attendances', root));
    check('psql COPY', copy, rows);
    log('baseline children');
    add(
      '   idle child: extraction modules + plan',
      await runChild({ kind: 'idle', root, source: SOURCE, modules: 'extract' }, pw),
      'RSS floor of phase 2: Node, config, knex/pg, one connection, the probe query',
    );
    add(
      '   idle child: pipeline modules + plan',
      await runChild({ kind: 'idle', root, source: SOURCE, modules: 'pipeline' }, pw),
      'RSS floor of phases 3-4: the above plus runExtract and every writer module (CSV, Parquet, Excel)',
    );
    const extractOnly: Record<number, Measurement> = {};
    for (const batchSize of batchSizes) {
      log(`2. extraction only, batch_size ${batchSize}`);
      const m = await runChild({ kind: 'extract', root, source: SOURCE, batchSize }, pw, profArgs);
      check('extraction only', m, rows);
      extractOnly[batchSize] = add(
        `2. extraction only, batch ${fmt(batchSize)}`,
        m,
        `${fmt(m.batches ?? 0)} batches`,
      );
    }
    log('1b. psql COPY again');
    const copyAfter = add(
      '1b. psql \\copy again, after phase 2',
      await psqlCopy(server, 'attendances', root),
    );
    check('psql COPY', copyAfter, rows);
    // The machine's load can change between phases: the reference is both COPY runs together.
    const reference: Measurement = {
      rows: copy.rows + copyAfter.rows,
      seconds: copy.seconds + copyAfter.seconds,
    };
    let advanceSeconds: number | undefined;
    if (!values['extract-only']) {
      log('3. end to end');
      const e2e = await runChild({ kind: 'pipeline', root, source: SOURCE, mode: 'full' }, pw);
      check('end to end', e2e, rows);
      add(
        '3. runExtract full → CSV',
        e2e,
        `${fmt((e2e.bytes ?? 0) / MB, 1)} MB of CSV (${fmt((e2e.bytes ?? 0) / e2e.rows, 1)} B/row)`,
      );

      log('4. incremental: first run (whole history)');
      const first = await runChild({ kind: 'pipeline', root, source: SOURCE, mode: 'incremental' }, pw);
      check('first incremental', first, rows);
      add(
        '4a. incremental, first run (all rows)',
        first,
        'sets the watermark; reads in (updated_at, attendance_id) order',
      );
      t = performance.now();
      const advanced = await advanceDemo({ dialect: 'postgres', client }, 1);
      advanceSeconds = (performance.now() - t) / 1000;
      const expected = advanced.counts.attendances + advanced.updated.attendances;
      log('4. incremental: second run (one day)');
      const second = await runChild({ kind: 'pipeline', root, source: SOURCE, mode: 'incremental' }, pw);
      check('second incremental', second, expected);
      add(
        '4b. incremental, one more day',
        second,
        `${fmt(advanced.counts.attendances)} new + ${fmt(advanced.updated.attendances)} updated rows of ${advanced.firstDate}`,
      );
    }

    const sized: {
      rows: number;
      copy: Measurement;
      byBatch: Record<number, Measurement>;
      buildSeconds?: number;
    }[] = [];
    if (sizes.includes(rows)) sized.push({ rows, copy, byBatch: extractOnly });
    for (const size of extraSizes) {
      log(`5. size ${fmt(size)}: building ${sizedTable(size)}`);
      t = performance.now();
      const n = await buildSizedTable(client, size);
      const buildSeconds = (performance.now() - t) / 1000;
      const c = await psqlCopy(server, sizedTable(size), root);
      check(`psql COPY ${size}`, c, n);
      const byBatch: Record<number, Measurement> = {};
      for (const batchSize of batchSizes) {
        const m = await runChild({ kind: 'extract', root, source: sizedSource(size), batchSize }, pw);
        check(`extraction ${size}`, m, n);
        byBatch[batchSize] = m;
      }
      sized.push({ rows: n, copy: c, byBatch, buildSeconds });
      log(
        `5. size ${fmt(size)}: COPY ${fmt(rate(c))}/s, ` +
          batchSizes.map((b) => `batch ${fmt(b)} ${fmt(rate(byBatch[b]!))}/s`).join(', '),
      );
      await client.query(`DROP TABLE ${sizedTable(size)}`);
    }
    sized.sort((a, b) => a.rows - b.rows);

    // ----- report
    const p = (s = ''): void => console.log(s);
    p(
      `PostgreSQL ${server.version.split(' ')[1] ?? server.version} (throwaway, fsync off, shared_buffers 32MB)`,
    );
    p(
      `Node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), ${fmt(os.totalmem() / MB / 1024, 1)} GB RAM`,
    );
    p(
      `${fmt(rows)} attendances: scale ${scale}, ${load.days} days ${load.firstDate}..${load.lastDate}, seed ${seed}; ` +
        `table ${fmt(tableBytes / MB)} MB on disk`,
    );
    p(
      `load (all 8 tables, incl. child rows): ${load.seconds.toFixed(1)} s; VACUUM ANALYZE attendances ${vacuumSeconds.toFixed(1)} s; ` +
        (advanceSeconds === undefined ? '' : `advanceDemo 1 day ${advanceSeconds.toFixed(1)} s`),
    );
    p();
    for (const l of table(results, reference)) p(l);
    p();
    p(
      `COPY reference: ${fmt(rate(copy))} rows/s before the extraction-only phases, ${fmt(rate(copyAfter))} after; ` +
        `"vs COPY" and the targets use the two together, ${fmt(rate(reference))} rows/s`,
    );
    for (const batchSize of batchSizes) {
      const m = extractOnly[batchSize]!;
      const ratio = rate(m) / rate(reference);
      const rss = m.peakRssBytes ?? 0;
      const cpu = m.cpuSeconds === undefined ? '' : `, ${fmt((1e6 * m.cpuSeconds) / m.rows, 1)} µs CPU/row`;
      p(
        `targets at batch ${fmt(batchSize)}: extraction only ≥ 40% of COPY: ${(100 * ratio).toFixed(0)}% ${ratio >= 0.4 ? 'PASS' : 'FAIL'}; ` +
          `peak RSS < 256 MB: ${mb(rss)} MB ${rss < 256 * MB ? 'PASS' : 'FAIL'}${cpu}`,
      );
    }
    if (sized.length > 1) {
      p();
      p(
        'extraction only by table size (sizes other than --attendances are id-shifted copies of the loaded rows)',
      );
      const header = [
        'rows',
        'COPY rows/s',
        ...batchSizes.flatMap((b) => [`b${fmt(b)} rows/s`, 'vs COPY', `b${fmt(b)} RSS MB`]),
      ];
      const cells = sized.map((s) => [
        fmt(s.rows),
        fmt(rate(s.copy)),
        ...batchSizes.flatMap((b) => {
          const m = s.byBatch[b]!;
          return [fmt(rate(m)), `${((100 * rate(m)) / rate(s.copy)).toFixed(0)}%`, mb(m.peakRssBytes)];
        }),
      ]);
      const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
      const line = (c: string[]): string => c.map((v, i) => v.padStart(widths[i]!)).join('  ');
      p(line(header));
      p(widths.map((w) => '-'.repeat(w)).join('  '));
      for (const c of cells) p(line(c));
      const builds = sized.filter((s) => s.buildSeconds !== undefined);
      if (builds.length)
        p(
          `(copied tables built in ${builds.map((s) => `${fmt(s.rows)}: ${s.buildSeconds!.toFixed(1)} s`).join(', ')})`,
        );
    }
    if (problems.length) {
      p('\nROW COUNT MISMATCHES:');
      for (const x of problems) p(`  ${x}`);
      process.exitCode = 1;
    }
    if (profDir) p(`\nCPU profiles of the extraction-only children: ${profDir}`);
    p(
      `\ntotal ${((performance.now() - started) / 1000).toFixed(0)} s; 1-minute load average ` +
        `${loadAtStart.toFixed(2)} at start, ${(os.loadavg()[0] ?? 0).toFixed(2)} at end ` +
        `(above ~1 before the run means something else was using the CPUs)`,
    );
  } finally {
    await client.end().catch(() => undefined);
    for (const child of children) child.kill('SIGKILL');
    await server.stop();
    await rm(root, { recursive: true, force: true, maxRetries: 3 });
    tempDirs.delete(root);
  }
}

// servers.ts kills the server on exit and on signals; we add our children and temp directory.
process.on('exit', cleanupSync);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    cleanupSync();
    process.exit(128 + os.constants.signals[signal]);
  });
}
await main();
