/**
 * Reading lock files the way src/extract/lock.ts writes them (`{pid, host, run_id, since}`, created
 * exclusively), with its stale rules, for the scheduler's own lock and for read-only checks of
 * the per-source extraction locks. The rules, and why:
 * - an empty or torn file is stale (its writer was killed before finishing it);
 * - on this host, a pid that no longer exists is stale (kill -9, reboot);
 * - our own pid is stale unless this process took the lock (a container's PID 1 is reused);
 * - a lock from another host (state on a shared volume) is never judged stale here.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

export interface LockRecord {
  pid: number;
  host: string;
  run_id: string;
  since: string;
}

/** The lock at `file`; undefined when there is none or it is torn. */
export function readLockRecord(file: string): LockRecord | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  try {
    const record = JSON.parse(text) as Partial<LockRecord>;
    return typeof record.pid === 'number' && typeof record.host === 'string'
      ? {
          pid: record.pid,
          host: record.host,
          run_id: String(record.run_id ?? ''),
          since: String(record.since ?? ''),
        }
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether the process named by `lock` may still be holding it. `ownHeld` says whether this
 * process took the lock itself (relevant only when the lock names our own pid).
 */
export function holderAlive(lock: LockRecord, ownHeld = false): boolean {
  if (lock.host !== hostname()) return true;
  if (lock.pid === process.pid) return ownHeld;
  try {
    process.kill(lock.pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to another user; it is alive.
    return (e as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** "run R (pid P on H, since S)", for messages. */
export function describeHolder(lock: LockRecord): string {
  const run = lock.run_id ? `run ${lock.run_id} ` : '';
  return `${run}(pid ${lock.pid} on ${lock.host}, since ${lock.since})`;
}
