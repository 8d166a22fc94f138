/**
 * The MariaDB benchmark's processes (scripts/bench_mysql.ts): a project pointing one source per text
 * variant at the server, the built CLI (`moh-etl extract --mode full`) and the `mariadb --batch
 * --quick` client, each run whole under GNU time for its wall time, CPU and peak RSS.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, openSync, closeSync, rmSync, statSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { loadConfig } from '../../src/config/load.js';
import { benchSelect, benchTable, VARIANTS, type Variant } from './bench-mysql-data.js';
import type { RunningServer } from './servers.js';

/** The config reads the database password from here (never written into the project). */
const PASSWORD_VAR = 'MOH_BENCH_PASSWORD';
const GNU_TIME = '/usr/bin/time';
const TIME_MARK = '@@moh-bench-time';

export interface Figures {
  rows: number;
  wallSeconds: number;
  /** User + system seconds of the process (all threads), from GNU time. */
  cpuSeconds: number;
  peakRssBytes: number;
  /** Bytes written (the client's output file; the CLI's part files). */
  bytes: number;
}

export const children = new Set<ChildProcess>();

/** Kill what we started (on Ctrl-C or failure). */
export function killChildren(): void {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
}

function repoRoot(): string {
  for (
    let dir = path.dirname(fileURLToPath(import.meta.url));
    path.dirname(dir) !== dir;
    dir = path.dirname(dir)
  )
    if (existsSync(path.join(dir, 'config/queries.yml')) && existsSync(path.join(dir, 'package.json')))
      return dir;
  throw new Error('cannot find the repository (config/queries.yml)');
}

/** The built CLI, as `npm run moh-etl` runs it. */
export function cliPath(): string {
  const bin = path.join(repoRoot(), 'dist/src/cli/bin.js');
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run npm run build first`);
  return bin;
}

/** One source per variant on the server, read in full, keyset on attendance_id. */
export async function writeProject(root: string, server: RunningServer, batchSize: number): Promise<void> {
  const { host, port, database, user } = server;
  const sources = Object.fromEntries(
    VARIANTS.map((v) => [benchTable(v), { connection: 'src', primary_key: ['attendance_id'], mode: 'full' }]),
  );
  const doc = {
    connections: {
      src: { client: 'mysql', host, port, database, user, password: `\${${PASSWORD_VAR}}` },
    },
    sources,
    extraction: { default_connection: 'src', batch_size: batchSize },
    output: { formats: ['csv'] },
  };
  const queries = Object.fromEntries(VARIANTS.map((v) => [benchTable(v), { sql: benchSelect(v) }]));
  await mkdir(path.join(root, 'config'), { recursive: true });
  await writeFile(path.join(root, 'config/database.yml'), stringify(doc));
  await writeFile(path.join(root, 'config/queries.yml'), stringify(queries));
  loadConfig({ root, env: { [PASSWORD_VAR]: server.password } }); // fail here, not in a child
}

interface Timed {
  code: number | null;
  wallSeconds: number;
  cpuSeconds: number;
  peakRssBytes: number;
  stderr: string;
  stdout: string;
}

/** `argv` under GNU time, stdout to `outFile` when given (else collected). */
function timed(argv: string[], cwd: string, env: NodeJS.ProcessEnv, outFile?: string): Promise<Timed> {
  if (!existsSync(GNU_TIME)) throw new Error(`${GNU_TIME} is required (the GNU time package)`);
  const out = outFile ? openSync(outFile, 'w') : 'pipe';
  const t0 = performance.now();
  return new Promise<Timed>((resolve, reject) => {
    const child = spawn(GNU_TIME, ['-f', `${TIME_MARK} %e %U %S %M`, ...argv], {
      cwd,
      env: { ...process.env, NO_COLOR: '1', ...env },
      stdio: ['ignore', out, 'pipe'],
    });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      children.delete(child);
      if (typeof out === 'number') closeSync(out);
      const wallSeconds = (performance.now() - t0) / 1000;
      const line = stderr.split('\n').find((l) => l.startsWith(TIME_MARK)) ?? '';
      const [, , user, sys, kb] = line.split(/\s+/).map(Number);
      resolve({
        code,
        wallSeconds,
        cpuSeconds: (user ?? 0) + (sys ?? 0),
        peakRssBytes: (kb ?? 0) * 1024,
        stdout,
        stderr: stderr.replace(`${line}\n`, ''),
      });
    });
  });
}

/** `mariadb --batch --quick -e "SELECT …" > file`: the reference. */
export async function runClient(server: RunningServer, variant: Variant, dir: string): Promise<Figures> {
  const file = path.join(dir, `client-${variant}.tsv`);
  const args = ['--batch', '--quick', '--skip-column-names', '-h', server.host, '-P', String(server.port)];
  const r = await timed(
    ['mariadb', ...args, '-u', server.user, server.database, '-e', benchSelect(variant)],
    dir,
    { MYSQL_PWD: server.password },
    file,
  );
  if (r.code !== 0) throw new Error(`mariadb client failed (exit ${r.code}): ${r.stderr.trim()}`);
  const bytes = statSync(file).size;
  const rows = await countLines(file);
  rmSync(file, { force: true });
  return { rows, wallSeconds: r.wallSeconds, cpuSeconds: r.cpuSeconds, peakRssBytes: r.peakRssBytes, bytes };
}

async function countLines(file: string): Promise<number> {
  const text = await readFile(file);
  let n = 0;
  for (let i = text.indexOf(10); i >= 0; i = text.indexOf(10, i + 1)) n++;
  return n;
}

/** `moh-etl extract --sources <variant> --mode full --format <format> --json` in the project. */
export async function runCli(
  server: RunningServer,
  root: string,
  variant: Variant,
  format: 'csv' | 'parquet',
  options: { cli?: string; execArgv?: string[] } = {},
): Promise<Figures> {
  const source = benchTable(variant);
  // Every run starts from nothing: no state to resume, no earlier parts.
  await rm(path.join(root, 'data'), { recursive: true, force: true });
  const r = await timed(
    [
      process.execPath,
      ...(options.execArgv ?? []),
      options.cli ?? cliPath(),
      'extract',
      ...['--sources', source, '--mode', 'full', '--format', format, '--json', '--fresh'],
    ],
    root,
    { [PASSWORD_VAR]: server.password },
  );
  if (r.code !== 0)
    throw new Error(`moh-etl extract failed (exit ${r.code}): ${r.stderr.trim().slice(-2000)}`);
  const rows = rowsOf(r.stdout, source);
  const bytes = await partBytes(path.join(root, 'data/raw', source));
  return { rows, wallSeconds: r.wallSeconds, cpuSeconds: r.cpuSeconds, peakRssBytes: r.peakRssBytes, bytes };
}

/** The rows the run summary reports for `source` (`--json`: one RunSummary object). */
function rowsOf(stdout: string, source: string): number {
  const summary = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as {
    sources?: { source: string; rows: number }[];
  };
  const rows = summary.sources?.find((s) => s.source === source)?.rows;
  if (rows === undefined)
    throw new Error(`no row count for ${source} in the summary: ${stdout.slice(0, 500)}`);
  return rows;
}

async function partBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true }))
    if (entry.isFile() && /^part-/.test(entry.name))
      total += statSync(path.join(entry.parentPath, entry.name)).size;
  return total;
}
