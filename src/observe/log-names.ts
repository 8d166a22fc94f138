/**
 * The names of rotated log files and their retention. pino-roll names a file
 * `<base>.<stamp>.<n>.log` (extraction.2025-01-31.2.log); the stamp is the local day (or hour), so
 * a process started on a new day never appends to yesterday's file. We prune by the same names
 * when a log opens, because pino-roll prunes only when it rotates, and a CLI process that lives a
 * minute rarely rotates: without this, retention would never happen for daily cron runs.
 */
import { existsSync, lstatSync, readdirSync, renameSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { LogRotationPeriod } from '../config/observe-schema.js';

/** date-fns patterns for pino-roll's `dateFormat` (HH: 24-hour; pino-roll's README shows hh, 12-hour). */
export const DATE_FORMATS: Record<LogRotationPeriod, string> = {
  daily: 'yyyy-MM-dd',
  hourly: 'yyyy-MM-dd-HH',
};

/** The stamp pino-roll puts in a file name for `now`, in local time like pino-roll. */
export function periodStamp(now: Date, period: LogRotationPeriod): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const day = `${now.getFullYear()}-${p(now.getMonth() + 1)}-${p(now.getDate())}`;
  return period === 'hourly' ? `${day}-${p(now.getHours())}` : day;
}

export interface RolledFile {
  name: string;
  stamp: string;
  number: number;
}

/** `<base>.<stamp>.<n>.log`, with a daily or an hourly stamp (a change of `rotate` leaves both). */
export function parseRolledName(base: string, name: string): RolledFile | undefined {
  if (!name.startsWith(`${base}.`)) return undefined;
  const m = /^(\d{4}-\d{2}-\d{2}(?:-\d{2})?)\.(\d+)\.log$/.exec(name.slice(base.length + 1));
  return m ? { name, stamp: m[1]!, number: Number(m[2]) } : undefined;
}

export function rolledName(base: string, stamp: string, n: number): string {
  return `${base}.${stamp}.${n}.log`;
}

/** The rotated files of `base` in `dir`, oldest first (the stamps sort as text). */
export function rolledFiles(dir: string, base: string): RolledFile[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .map((n) => parseRolledName(base, n))
    .filter((f): f is RolledFile => f !== undefined)
    .sort((a, b) => (a.stamp === b.stamp ? a.number - b.number : a.stamp < b.stamp ? -1 : 1));
}

/**
 * Delete all but the newest `keep` files of `base` (the one in use is never deleted). Another
 * process may delete the same file at the same moment: a missing file is not an error.
 */
export async function pruneRolled(
  dir: string,
  base: string,
  keep: number,
  inUse?: string,
): Promise<string[]> {
  const files = rolledFiles(dir, base);
  const old = files.slice(0, Math.max(0, files.length - keep)).filter((f) => f.name !== inUse);
  await Promise.all(old.map((f) => rm(path.join(dir, f.name), { force: true })));
  return old.map((f) => f.name);
}

/**
 * Before this version the log was one plain file, `<base>.log`. It becomes the oldest rotated
 * file of its day (number 0), so retention counts it, and `<base>.log` is free for the link to the
 * current file.
 */
export function adoptPlainFile(dir: string, base: string, period: LogRotationPeriod): string | undefined {
  const plain = path.join(dir, `${base}.log`);
  try {
    // lstat: the link this module makes at `<base>.log` is not a plain file.
    const stat = lstatSync(plain, { throwIfNoEntry: false });
    if (!stat?.isFile()) return undefined;
    const target = rolledName(base, periodStamp(stat.mtime, period), 0);
    if (existsSync(path.join(dir, target))) return undefined;
    renameSync(plain, path.join(dir, target));
    return target;
  } catch {
    // Not ours to fix here: the log still opens, beside the old file.
    return undefined;
  }
}
