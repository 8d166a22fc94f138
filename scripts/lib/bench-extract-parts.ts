/** The extraction benchmark's parts: child processes, the COPY references, the project and tables (see ../bench_extract.ts). */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import copyStreams from 'pg-copy-streams';
import { parse, stringify } from 'yaml';
import { loadConfig } from '../../src/config/load.js';
import { TABLES } from '../../src/synth/index.js';
import {
  busyBetween,
  machineBusySeconds,
  PASSWORD_VAR,
  TASK_VAR,
  type ChildMessage,
  type Measurement,
  type Task,
} from './bench-measure.js';
import { BENCH_ATTENDANCES_SQL } from './bench-template.js';
import { type RunningServer } from './servers.js';

export const SELF = fileURLToPath(import.meta.url);
export const CHILD = fileURLToPath(new URL('./bench-extract-child.js', import.meta.url));
export const SOURCE = 'attendances';
export const MB = 1024 * 1024;
// ---------------------------------------------------------------------------------------------------------
// Parent: processes we started, removed on any exit

export const children = new Set<ChildProcess>();
export const tempDirs = new Set<string>();

export function cleanupSync(): void {
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

export function track<T extends ChildProcess>(child: T): T {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

export function runChild(task: Task, password: string, execArgv: string[] = []): Promise<Measurement> {
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
export async function psqlCopy(server: RunningServer, table: string, dir: string): Promise<Measurement> {
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
export async function copyPassthrough(server: RunningServer, table: string): Promise<Measurement> {
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
export function repoRoot(): string {
  for (let dir = path.dirname(SELF); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'config/queries.yml')) && existsSync(path.join(dir, 'package.json')))
      return dir;
    if (path.dirname(dir) === dir) throw new Error('cannot find the repository (config/queries.yml)');
  }
}

export const sizedTable = (rows: number): string => `bench_attendances_${rows}`;
export const sizedSource = (rows: number): string => `attendances_${rows}`;

/**
 * A project root whose config points the attendances source (and one source per extra size) at the
 * server: the repository's config/database.yml and queries.yml with the connection replaced, as
 * test/helpers/demo-source.ts does. The password comes from the environment, not the file.
 */
export async function writeProject(root: string, server: RunningServer, sizes: number[]): Promise<void> {
  const repo = repoRoot();
  const doc = parse(await readFile(path.join(repo, 'config/database.yml'), 'utf8')) as Record<
    string,
    Record<string, unknown>
  >;
  const queries = parse(await readFile(path.join(repo, 'config/queries.yml'), 'utf8')) as Record<
    string,
    { sql: string }
  >;
  const configured = (doc.sources as Record<string, Record<string, unknown>>)[SOURCE];
  // The table alone: no date of birth joined (no transform runs in this benchmark).
  const source = configured ? { ...configured, pii_columns: ['patient_id'] } : undefined;
  const template = queries[SOURCE] ? { ...queries[SOURCE], sql: BENCH_ATTENDANCES_SQL } : undefined;
  if (!source || !template) throw new Error(`the repository config has no ${SOURCE} source or query`);
  const sources: Record<string, unknown> = { [SOURCE]: { ...source, connection: 'src' } };
  queries[SOURCE] = template;
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
  // Likewise the schedules, transform and load sections (they name the repository's sources).
  delete doc.schedules;
  delete doc.transform;
  delete doc.load;
  doc.extraction = { ...doc.extraction, default_connection: 'src' };
  // Phases 3–4 are labelled and compared as CSV (bench:write measures every format).
  doc.output = { ...(doc.output as object), formats: ['csv'] };
  await mkdir(path.join(root, 'config'), { recursive: true });
  await writeFile(path.join(root, 'config/database.yml'), stringify(doc));
  await writeFile(path.join(root, 'config/queries.yml'), stringify(queries));
  loadConfig({ root, env: { [PASSWORD_VAR]: server.password } }); // fail here, not in a child
}

/** `rows` attendances (copies of the loaded table with shifted ids), primary key, VACUUM ANALYZE. */
export async function buildSizedTable(client: pg.Client, rows: number): Promise<number> {
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

export const fmt = (n: number, digits = 0): string =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
export const mb = (bytes: number | undefined): string => (bytes === undefined ? '-' : fmt(bytes / MB));
export const secs = (s: number | undefined): string => (s === undefined ? '-' : s.toFixed(2));
export const rate = (m: Measurement): number => (m.seconds > 0 ? m.rows / m.seconds : 0);

export interface Row {
  phase: string;
  m: Measurement;
  note?: string;
}

export function table(rows: Row[], reference: Measurement): string[] {
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
