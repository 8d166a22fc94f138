/**
 * The pipeline benchmark's project and processes (scripts/bench_pipeline.ts): the repository's
 * shipped configuration (all eight sources, their templates, checks, transform and load) pointed at
 * a throwaway PostgreSQL, a timeline whose next day is a full weekday, and the built CLI run as a
 * user runs it, under GNU time for its wall time, CPU and peak RSS.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { loadConfig, type LoadedConfig } from '../../src/config/load.js';
import { formatDate, todayInSingapore } from '../../src/synth/calendar.js';
import { attendanceCount } from '../../src/synth/index.js';
import type { RunningServer } from './servers.js';

const SELF = fileURLToPath(import.meta.url);
/** The config reads the database password from here (never written into the project). */
export const PASSWORD_VAR = 'MOH_BENCH_PASSWORD';

export function repoRoot(): string {
  for (let dir = path.dirname(SELF); path.dirname(dir) !== dir; dir = path.dirname(dir))
    if (existsSync(path.join(dir, 'config/queries.yml')) && existsSync(path.join(dir, 'package.json')))
      return dir;
  throw new Error('cannot find the repository (config/queries.yml)');
}

/** The built CLI (dist/src/cli/bin.js), as `npm run moh-etl` runs it. */
export function cliPath(): string {
  const bin = path.join(repoRoot(), 'dist/src/cli/bin.js');
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run npm run build first`);
  return bin;
}

export interface Timeline {
  startDate: string;
  days: number;
  /** The day `advanceDemo(…, 1)` adds: a weekday at full volume. */
  nationalDay: string;
  /** Attendances the generator makes on it. */
  attendances: number;
}

/**
 * `days` days ending at least a week before today (the shipped freshness checks stay green), placed
 * so that the day after them is the busiest weekday of that week: the national day measured.
 */
export function chooseTimeline(seed: number, scale: number, days: number, now = Date.now()): Timeline {
  const latest = todayInSingapore(now) - 8; // the national day itself is at most this
  let best = latest;
  for (let d = latest; d > latest - 7; d--)
    if (attendanceCount(seed, d, scale) > attendanceCount(seed, best, scale)) best = d;
  return {
    startDate: formatDate(best - days),
    days,
    nationalDay: formatDate(best),
    attendances: attendanceCount(seed, best, scale),
  };
}

/**
 * config/database.yml and queries.yml of the repository, every source on the server, plus a
 * pseudonymisation key in .env. Schedules and alert channels are dropped: a run is started by hand.
 * Returns the environment the CLI needs and the loaded config (for the DatasetStore).
 */
export async function writeBenchProject(
  root: string,
  server: RunningServer,
): Promise<{ env: NodeJS.ProcessEnv; loaded: LoadedConfig }> {
  return writeConfig(root, server, (doc) => doc);
}

/** The project's checks without those at dataset scope (to measure what they cost the run). */
export async function dropDatasetChecks(root: string, server: RunningServer): Promise<void> {
  await writeConfig(root, server, (doc) => {
    const validation = doc.validation as { sources?: Record<string, { scope?: string }[]> };
    for (const [source, checks] of Object.entries(validation.sources ?? {}))
      validation.sources![source] = checks.filter((c) => c.scope !== 'dataset');
    return doc;
  });
}

async function writeConfig(
  root: string,
  server: RunningServer,
  edit: (doc: Record<string, unknown>) => Record<string, unknown>,
): Promise<{ env: NodeJS.ProcessEnv; loaded: LoadedConfig }> {
  const repo = repoRoot();
  const doc = parse(await readFile(path.join(repo, 'config/database.yml'), 'utf8')) as Record<
    string,
    unknown
  >;
  const sources = doc.sources as Record<string, Record<string, unknown>>;
  for (const s of Object.values(sources)) s.connection = 'src';
  const { host, port, database, user } = server;
  doc.connections = {
    src: { client: 'postgres', host, port, database, user, password: `\${${PASSWORD_VAR}}` },
  };
  doc.extraction = { ...(doc.extraction as object), default_connection: 'src' };
  delete doc.schedules;
  doc.alerts = { ...(doc.alerts as object), channels: {} };
  await mkdir(path.join(root, 'config'), { recursive: true });
  await writeFile(path.join(root, 'config/database.yml'), stringify(edit(doc)));
  await writeFile(
    path.join(root, 'config/queries.yml'),
    await readFile(path.join(repo, 'config/queries.yml')),
  );
  const envFile = path.join(root, '.env');
  // One key for the project's life: a new key would pseudonymise the new rows differently.
  const key = existsSync(envFile)
    ? (/^MOH_PSEUDONYM_KEY=(.*)$/m.exec(await readFile(envFile, 'utf8'))?.[1] ?? '')
    : randomBytes(32).toString('hex');
  await writeFile(envFile, `MOH_PSEUDONYM_KEY=${key}\n`, { mode: 0o600 });
  const env = { [PASSWORD_VAR]: server.password, MOH_PSEUDONYM_KEY: key };
  return { env, loaded: loadConfig({ root, env }) };
}

export interface ProcessFigures {
  code: number | null;
  wallSeconds: number;
  /** From GNU time (user + system, all threads), when /usr/bin/time exists. */
  cpuSeconds?: number;
  peakRssBytes?: number;
  stdout: string;
  stderr: string;
}

const GNU_TIME = '/usr/bin/time';
const TIME_MARK = '@@moh-bench-time';

/** What watches a measured run: told the child's pid at spawn, and each line it prints on stdout. */
export interface RunWatcher {
  start(pid: number): void;
  line(text: string): void;
  stop(): void;
}

/** `moh-etl <args>` in `cwd`, timed from spawn to exit; CPU and peak RSS from GNU time when present. */
export function runMeasured(
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  watcher?: RunWatcher,
): Promise<ProcessFigures> {
  const node = [process.execPath, cliPath(), ...args];
  const timed = existsSync(GNU_TIME);
  const [file, argv] = timed
    ? [GNU_TIME, ['-f', `${TIME_MARK} %e %U %S %M`, ...node]]
    : [node[0]!, node.slice(1)];
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(file, argv, { cwd, env: { ...process.env, NO_COLOR: '1', ...env } });
    if (child.pid !== undefined) watcher?.start(child.pid);
    let stdout = '';
    let stderr = '';
    let seen = 0;
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      let nl: number;
      while (watcher && (nl = stdout.indexOf('\n', seen)) >= 0) {
        watcher.line(stdout.slice(seen, nl));
        seen = nl + 1;
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallSeconds = (performance.now() - t0) / 1000;
      watcher?.stop();
      const line = stderr.split('\n').find((l) => l.startsWith(TIME_MARK));
      if (!line) return resolve({ code, wallSeconds, stdout, stderr });
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
