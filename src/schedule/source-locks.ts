/**
 * Read-only checks of the per-source extraction locks (src/extract/lock.ts), so the scheduler can
 * skip a job whose sources another process is extracting instead of starting a run that would
 * fail with SourceBusy. The scheduler never takes or breaks these locks: the run it starts does.
 */
import path from 'node:path';
import { describeHolder, holderAlive, readLockRecord } from './lock-record.js';

/**
 * Whether `source` is locked by a live process; the holder's description when it is. A lock left
 * by a dead process, a torn lock, or one naming this process's pid (the scheduler never holds
 * source locks) is not a lock.
 */
export function sourceLockHolder(stateDir: string, source: string): string | undefined {
  const lock = readLockRecord(path.join(stateDir, `${source}.lock`));
  return lock && holderAlive(lock) ? describeHolder(lock) : undefined;
}

/** Whether `source` is locked by a live process. */
export function isLocked(stateDir: string, source: string): boolean {
  return sourceLockHolder(stateDir, source) !== undefined;
}

/** The locked sources among `sources`, with their holders. */
export function lockedSources(stateDir: string, sources: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const s of sources) {
    const holder = sourceLockHolder(stateDir, s);
    if (holder) out.set(s, holder);
  }
  return out;
}
