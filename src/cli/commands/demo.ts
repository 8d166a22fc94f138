/**
 * `moh-etl demo`: the embedded demo database (SQLite) filled by the synthetic generator, so a new
 * user sees real output without a database server. `--advance-days N` appends N days of new and
 * updated rows for an incremental run to pick up; `--extract` then extracts every source.
 */
import { chmodSync, closeSync, existsSync, openSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { LoadedConfig } from '../../config/load.js';
import { ExitCode, UsageError } from '../../errors.js';
import { lockSource } from '../../extract/lock.js';
import { StateStore } from '../../extract/state.js';
import { todayIn } from '../../extract/date-range.js';
import { advanceDemo, assertTimelineInPast, createDemoDatabase, type LoadResult } from '../../synth/index.js';
import { ensureDirectory } from '../../write/atomic.js';
import { loadContext } from '../context.js';
import { parseDate, type CommonFlags } from '../options.js';
import { formatCount, shownPath, stdout, table, type Out } from '../print.js';
import { extractCommand } from './extract.js';

export interface DemoFlags extends CommonFlags {
  advanceDays?: string;
  extract?: boolean;
  force?: boolean;
  scale?: string;
  days?: string;
  startDate?: string;
  seed?: string;
  dirtyRate?: string;
}

/**
 * The default timeline is the 90 days that end a week before today (Singapore): recent enough for
 * the freshness checks of the shipped config, with a week of room for `--advance-days`.
 */
export const DEMO_DEFAULTS = { scale: 0.04, days: 90, seed: 42, daysBeforeToday: 7 } as const;
/** Ten years of days at most, in one go. */
const MAX_DAYS = 3650;

interface DemoOptions {
  scale: number;
  days: number;
  seed: number;
  dirtyRate: number;
  startDate: string;
}

export async function demoCommand(flags: DemoFlags, out: Out = stdout): Promise<number> {
  const loaded = loadContext(flags);
  const file = demoDatabasePath(loaded);
  // Every option is checked before anything is created, advanced or reset.
  const advance =
    flags.advanceDays === undefined
      ? undefined
      : boundedInt('--advance-days', flags.advanceDays, 1, MAX_DAYS);
  const options = demoOptions(flags);
  const exists = existsSync(file);
  const creation = (['scale', 'days', 'seed', 'dirtyRate', 'startDate'] as const).filter(
    (k) => flags[k] !== undefined,
  );
  if (exists && !flags.force && creation.length > 0) {
    const flag = `--${creation[0]!.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    throw new UsageError(
      `${flag} applies when the demo database is created, and ${shownPath(file)} exists (add --force to recreate it)`,
    );
  }
  const create = flags.force || !exists;
  if (create) asUsage(() => assertTimelineInPast(options.startDate, options.days + (advance ?? 0)));
  if (create) {
    if (exists) await forgetDemoState(loaded, out);
    out(
      `Creating the demo database ${shownPath(file)} (scale ${options.scale}, ${options.days} days from ${options.startDate}, seed ${options.seed})...`,
    );
    printLoad(await createFresh(file, options), out);
  } else if (advance === undefined) {
    out(
      `Demo database ${shownPath(file)} exists (use --force to recreate it, --advance-days N to add days).`,
    );
  }
  if (advance !== undefined) {
    out(`Advancing the demo database by ${advance} day(s)...`);
    const db = new Database(file);
    try {
      printLoad(await asUsageAsync(() => advanceDemo({ dialect: 'sqlite', db }, advance)), out);
    } finally {
      db.close();
    }
  }
  if (!flags.extract) return ExitCode.Success;
  out('');
  return extractCommand({ config: flags.config, logLevel: flags.logLevel }, out);
}

function demoOptions(flags: DemoFlags): DemoOptions {
  const days = flags.days === undefined ? DEMO_DEFAULTS.days : boundedInt('--days', flags.days, 1, MAX_DAYS);
  return {
    scale: flags.scale === undefined ? DEMO_DEFAULTS.scale : boundedNumber('--scale', flags.scale, 0, 10),
    days,
    seed: flags.seed === undefined ? DEMO_DEFAULTS.seed : boundedInt('--seed', flags.seed, 0, 2 ** 31 - 1),
    dirtyRate: flags.dirtyRate === undefined ? 0 : rate('--dirty-rate', flags.dirtyRate),
    startDate:
      flags.startDate === undefined
        ? addDays(todayIn('Asia/Singapore'), -(DEMO_DEFAULTS.daysBeforeToday + days - 1))
        : parseDate('--start-date', flags.startDate),
  };
}

/** The synthetic generator throws plain errors for options it cannot honour: a usage error here. */
function asUsage<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw e instanceof Error && !(e instanceof UsageError) ? new UsageError(e.message) : e;
  }
}

async function asUsageAsync<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw e instanceof Error && /yesterday|past|future|demo database/i.test(e.message)
      ? new UsageError(e.message)
      : e;
  }
}

function addDays(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** The demo database is the default connection's SQLite file. */
function demoDatabasePath(loaded: LoadedConfig): string {
  const name = loaded.config.extraction.default_connection ?? 'demo';
  const conn = loaded.config.connections[name];
  if (!conn || conn.client !== 'sqlite') {
    throw new UsageError(
      `the demo needs a SQLite connection as extraction.default_connection (found "${name}")`,
    );
  }
  return path.resolve(loaded.root, conn.filename);
}

/** Build into a temporary file and rename, so an interrupted demo never leaves half a database. */
async function createFresh(file: string, options: DemoOptions): Promise<LoadResult> {
  ensureDirectory(path.dirname(file));
  const temp = `${file}.${process.pid}.tmp`;
  rmSync(temp, { force: true });
  // Synthetic, but shaped like patient data: the same 0640 as every file moh-etl writes.
  closeSync(openSync(temp, 'wx', 0o640));
  chmodSync(temp, 0o640);
  const db = new Database(temp);
  try {
    const result = await createDemoDatabase({ dialect: 'sqlite', db }, options);
    db.close();
    renameSync(temp, file);
    for (const suffix of ['-wal', '-shm']) rmSync(file + suffix, { force: true });
    return result;
  } catch (e) {
    if (db.open) db.close();
    rmSync(temp, { force: true });
    throw e;
  }
}

/**
 * A recreated demo database starts its timeline over, behind the watermarks of the old one: its
 * rows would be skipped as already delivered. The state of every source read from it is reset.
 */
async function forgetDemoState(loaded: LoadedConfig, out: Out): Promise<void> {
  const demo = loaded.config.extraction.default_connection ?? 'demo';
  const store = new StateStore(path.resolve(loaded.root, loaded.config.extraction.state_dir));
  const reset: string[] = [];
  const dirs = loaded.config.load;
  for (const [name, source] of Object.entries(loaded.config.sources)) {
    if ((source.connection ?? demo) !== demo) continue;
    const lock = lockSource(store.directory, name, 'demo-force');
    try {
      if (await store.reset(name)) reset.push(name);
      // The processed dataset and its versions came from the old database: rows of the new one must
      // not be merged into them.
      for (const dir of [dirs.directory, dirs.archive_directory, dirs.staging_directory])
        rmSync(path.resolve(loaded.root, dir, name), { recursive: true, force: true });
    } finally {
      lock.release();
    }
  }
  if (reset.length)
    out(
      `Reset the extraction state and processed datasets of ${reset.join(', ')}: the next run reads the new database from the start.`,
    );
}

function printLoad(result: LoadResult, out: Out): void {
  const rows = Object.entries(result.counts).map(([t, n]) => {
    const table = t as keyof typeof result.updated;
    return [
      t,
      formatCount(n),
      formatCount(result.late[table]),
      formatCount(result.updated[table]),
      formatCount(result.deleted[table]),
    ];
  });
  table([['table', 'new rows', 'late rows', 'updated rows', 'deleted rows'], ...rows], out);
  out(`Days ${result.firstDate} to ${result.lastDate}, loaded in ${result.seconds.toFixed(1)} s.`);
  if (result.dirty.total > 0) {
    out('');
    out(`Injected ${formatCount(result.dirty.total)} defective rows (dirty rate ${result.dirty.rate}):`);
    table(
      [
        ['table', 'column', 'defect', 'rows'],
        ...result.dirty.entries.map((e) => [e.table, e.column, e.kind, formatCount(e.count)]),
      ],
      out,
    );
  }
}

function boundedInt(flag: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max)
    throw new UsageError(`${flag} "${value}" is not a whole number from ${min} to ${max}`);
  return n;
}

function boundedNumber(flag: string, value: string, above: number, max: number): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= above || n > max)
    throw new UsageError(`${flag} "${value}" is not a number above ${above} and at most ${max}`);
  return n;
}

function rate(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 1)
    throw new UsageError(`${flag} "${value}" is not a rate between 0 and 1`);
  return n;
}
