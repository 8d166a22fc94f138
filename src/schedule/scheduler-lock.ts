/**
 * One scheduler per project. Two schedulers on one config would start every job twice (the
 * per-source locks would make the second run fail, but every night would then alert), so the
 * scheduler takes an exclusive lock file first, with the same record and stale rules as the
 * per-source locks: a lock whose process is gone (kill -9, reboot) is taken over.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { SchedulerBusy } from './errors.js';
import { describeHolder, holderAlive, readLockRecord, type LockRecord } from './lock-record.js';

export interface SchedulerLock {
  readonly file: string;
  /** Remove the lock if it is still ours. Idempotent. */
  release(): void;
}

/** Lock files this process took, so a stale lock with our own pid is told from a live one. */
const held = new Set<string>();

/**
 * Take the scheduler lock at `file` (created with mode 0640, its directory 0750); throws
 * SchedulerBusy naming the holder when a live process holds it.
 */
export function lockScheduler(file: string, label = 'scheduler'): SchedulerLock {
  const abs = path.resolve(file);
  mkdirSync(path.dirname(abs), { recursive: true, mode: 0o750 });
  const mine: LockRecord = {
    pid: process.pid,
    host: hostname(),
    run_id: label,
    since: new Date().toISOString(),
  };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(abs, JSON.stringify(mine) + '\n', { flag: 'wx', mode: 0o640 });
      held.add(abs);
      return { file: abs, release: () => release(abs, mine) };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const other = readLockRecord(abs);
    if (other && holderAlive(other, held.has(abs))) {
      throw new SchedulerBusy(
        `another moh-etl scheduler is running for this project ${describeHolder({ ...other, run_id: '' })}`,
        {
          hint: `stop it first (systemctl stop moh-etl-scheduler, or kill ${other.pid}); if that process is gone, remove ${abs}`,
        },
      );
    }
    rmSync(abs, { force: true });
  }
  throw new SchedulerBusy(`another scheduler took the lock ${abs} at the same moment`, {
    hint: 'only one scheduler may run per project',
  });
}

function release(file: string, mine: LockRecord): void {
  if (!held.delete(file)) return;
  const current = readLockRecord(file);
  if (current && current.pid === mine.pid && current.since === mine.since) rmSync(file, { force: true });
}
