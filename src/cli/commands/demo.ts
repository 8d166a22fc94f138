/**
 * `moh-etl demo`: the embedded demo database (SQLite) filled by the synthetic generator, so a new
 * user sees real output without a database server. `--advance-days N` appends N days of new and
 * updated rows for an incremental run to pick up; `--extract` then extracts every source.
 */
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { LoadedConfig } from '../../config/load.js';
import { ExitCode, UsageError } from '../../errors.js';
import { lockSource } from '../../extract/lock.js';
import { StateStore } from '../../extract/state.js';
import { advanceDemo, createDemoDatabase, type LoadResult } from '../../synth/index.js';
import { loadContext } from '../context.js';
import type { CommonFlags } from '../options.js';
import { formatCount, shownPath, stdout, table, type Out } from '../print.js';
import { extractCommand } from './extract.js';

export interface DemoFlags extends CommonFlags {
  advanceDays?: string;
  extract?: boolean;
  force?: boolean;
  scale?: string;
  days?: string;
  seed?: string;
  dirtyRate?: string;
}

export const DEMO_DEFAULTS = { scale: 0.04, days: 90, seed: 42, startDate: '2025-01-01' } as const;

export async function demoCommand(flags: DemoFlags, out: Out = stdout): Promise<number> {
  const loaded = loadContext(flags);
  const file = demoDatabasePath(loaded);
  const advance =
    flags.advanceDays === undefined ? undefined : positiveInt('--advance-days', flags.advanceDays);
  const options = {
    scale: flags.scale === undefined ? DEMO_DEFAULTS.scale : positiveNumber('--scale', flags.scale),
    days: flags.days === undefined ? DEMO_DEFAULTS.days : positiveInt('--days', flags.days),
    seed: flags.seed === undefined ? DEMO_DEFAULTS.seed : positiveInt('--seed', flags.seed),
    dirtyRate: flags.dirtyRate === undefined ? 0 : rate('--dirty-rate', flags.dirtyRate),
    startDate: DEMO_DEFAULTS.startDate,
  };

  const exists = existsSync(file);
  const creation = (['scale', 'days', 'seed', 'dirtyRate'] as const).filter((k) => flags[k] !== undefined);
  if (exists && !flags.force && creation.length > 0) {
    const flag = `--${creation[0]!.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    throw new UsageError(
      `${flag} applies when the demo database is created, and ${shownPath(file)} exists (add --force to recreate it)`,
    );
  }
  if (flags.force || !exists) {
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
      printLoad(await advanceDemo({ dialect: 'sqlite', db }, advance), out);
    } catch (e) {
      throw e instanceof Error && !(e instanceof UsageError) && /yesterday|past|future/i.test(e.message)
        ? new UsageError(e.message)
        : e;
    } finally {
      db.close();
    }
  }
  if (!flags.extract) return ExitCode.Success;
  out('');
  return extractCommand({ config: flags.config, logLevel: flags.logLevel }, out);
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
async function createFresh(
  file: string,
  options: Parameters<typeof createDemoDatabase>[1],
): Promise<LoadResult> {
  mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  rmSync(temp, { force: true });
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
  for (const [name, source] of Object.entries(loaded.config.sources)) {
    if ((source.connection ?? demo) !== demo) continue;
    const lock = lockSource(store.directory, name, 'demo-force');
    try {
      if (await store.reset(name)) reset.push(name);
    } finally {
      lock.release();
    }
  }
  if (reset.length)
    out(
      `Reset the extraction state of ${reset.join(', ')}: the next extraction reads the new database from the start.`,
    );
}

function printLoad(result: LoadResult, out: Out): void {
  const rows = Object.entries(result.counts).map(([t, n]) => [
    t,
    formatCount(n),
    formatCount(result.updated[t as keyof typeof result.updated]),
  ]);
  table([['table', 'new rows', 'updated rows'], ...rows], out);
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

function positiveInt(flag: string, value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1)
    throw new UsageError(`${flag} "${value}" is not a positive whole number`);
  return n;
}

function positiveNumber(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${flag} "${value}" is not a positive number`);
  return n;
}

function rate(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 1)
    throw new UsageError(`${flag} "${value}" is not a rate between 0 and 1`);
  return n;
}
