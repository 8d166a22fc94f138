/**
 * One extraction per source at a time. Two overlapping runs (a slow nightly job and an analyst's
 * rerun, or cron firing twice) would both resume the same pending checkpoint and deliver its rows
 * twice, so each source is locked with a file created exclusively beside its state file.
 *
 * A lock whose process is gone (kill -9, reboot) is stale and taken over: the lock names the
 * host and pid, and on the same host a pid that no longer exists cannot be holding it. A lock
 * from another host (state on a shared volume) is never broken automatically.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { SourceBusy } from '../errors.js';
import { ensureDirectory } from '../write/atomic.js';
import { outputFailure } from '../write/fs-failure.js';

interface LockRecord {
  pid: number;
  host: string;
  run_id: string;
  since: string;
}

/** Locks this process holds, so that a lock left by an earlier process with our pid is known stale. */
const held = new Set<string>();
/** How to release each held lock; run on any exit (EPIPE, the stop bound, a fatal error) too. */
const releasers = new Map<string, () => void>();
let exitHook = false;

export interface SourceLock {
  release(): void;
}

export function lockSource(stateDir: string, source: string, runId: string): SourceLock {
  ensureDirectory(stateDir, 'extraction.state_dir');
  const file = path.join(stateDir, `${source}.lock`);
  const mine: LockRecord = {
    pid: process.pid,
    host: hostname(),
    run_id: runId,
    since: new Date().toISOString(),
  };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, JSON.stringify(mine) + '\n', { flag: 'wx', mode: 0o640 });
      held.add(file);
      const release = () => {
        held.delete(file);
        releasers.delete(file);
        releaseIfMine(file, mine);
      };
      releasers.set(file, release);
      if (!exitHook) {
        exitHook = true;
        process.on('exit', () => [...releasers.values()].forEach((r) => r()));
      }
      return { release };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST')
        throw outputFailure(e, 'create', file, 'extraction.state_dir');
    }
    const other = readLock(file);
    if (other && !isStale(file, other)) {
      throw new SourceBusy(
        `source ${source} is being extracted by run ${other.run_id} (pid ${other.pid} on ${other.host}, since ${other.since})`,
        {
          retryable: true,
          hint: `wait for it to finish; if that process is gone, remove ${file}`,
        },
      );
    }
    rmSync(file, { force: true });
  }
  throw new SourceBusy(`source ${source}: another process took the lock ${file} at the same moment`, {
    retryable: true,
  });
}

function readLock(file: string): LockRecord | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as LockRecord;
  } catch {
    // Empty or torn (killed while writing it): nobody can be holding a lock they never finished.
    return undefined;
  }
}

function isStale(file: string, lock: LockRecord): boolean {
  if (lock.host !== hostname()) return false;
  // Our own pid: held by this process only if we took it (a container's PID 1 is reused every run).
  if (lock.pid === process.pid) return !held.has(file);
  try {
    process.kill(lock.pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

function releaseIfMine(file: string, mine: LockRecord): void {
  const current = readLock(file);
  if (current && current.pid === mine.pid && current.run_id === mine.run_id && current.since === mine.since) {
    try {
      rmSync(file, { force: true });
    } catch {
      // A read-only or vanished state directory: the lock names this process, so once it exits the
      // lock is stale and the next run takes it over. Failing here would hide the run's own error.
    }
  }
}
