import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { SourceBusy } from '../../../src/errors.js';
import { lockSource } from '../../../src/extract/lock.js';
import { tempDir, type TempDir } from '../../helpers/databases.js';

/** The pid of a process that has exited (pids are not reused this quickly). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(r.stdout.toString());
}

function plant(dir: string, record: Record<string, unknown> | string): void {
  const text = typeof record === 'string' ? record : JSON.stringify(record);
  writeFileSync(path.join(dir, 'events.lock'), text);
}

describe('per-source extraction lock', () => {
  let dir: TempDir;
  beforeEach(async () => {
    dir = await tempDir('moh-etl-lock-');
  });

  it('refuses a second holder while the first holds it, and frees it on release', () => {
    const first = lockSource(dir.path, 'events', 'run-a');
    expect(() => lockSource(dir.path, 'events', 'run-b')).toThrow(SourceBusy);
    expect(() => lockSource(dir.path, 'events', 'run-b')).toThrow(/run-a \(pid \d+ on /);
    // Other sources are independent.
    lockSource(dir.path, 'patients', 'run-b').release();
    first.release();
    expect(existsSync(path.join(dir.path, 'events.lock'))).toBe(false);
    lockSource(dir.path, 'events', 'run-c').release();
  });

  it('takes over a lock left by a process that no longer exists', () => {
    const pid = deadPid();
    plant(dir.path, { pid, host: hostname(), run_id: 'killed', since: '2026-01-01T00:00:00Z' });
    const lock = lockSource(dir.path, 'events', 'run-new');
    expect(JSON.parse(readFileSync(path.join(dir.path, 'events.lock'), 'utf8'))).toMatchObject({
      pid: process.pid,
      run_id: 'run-new',
    });
    lock.release();
  });

  it('takes over a lock with our own pid that this process never took (PID 1 in containers)', () => {
    plant(dir.path, { pid: process.pid, host: hostname(), run_id: 'old', since: '2026-01-01T00:00:00Z' });
    lockSource(dir.path, 'events', 'run-new').release();
  });

  it('takes over a torn lock file (killed while writing it)', () => {
    plant(dir.path, '{"pid": 12');
    lockSource(dir.path, 'events', 'run-new').release();
  });

  it('never breaks a live process’s lock, nor one from another host', () => {
    plant(dir.path, { pid: process.ppid, host: hostname(), run_id: 'parent', since: 'x' });
    expect(() => lockSource(dir.path, 'events', 'r')).toThrow(/run parent/);
    plant(dir.path, { pid: deadPid(), host: 'other-host.invalid', run_id: 'remote', since: 'x' });
    expect(() => lockSource(dir.path, 'events', 'r')).toThrow(/run remote .* on other-host\.invalid/);
  });

  it('release does not remove a lock someone else has taken since', () => {
    const lock = lockSource(dir.path, 'events', 'mine');
    plant(dir.path, { pid: process.ppid, host: hostname(), run_id: 'theirs', since: 'x' });
    lock.release();
    expect(readFileSync(path.join(dir.path, 'events.lock'), 'utf8')).toContain('theirs');
  });
});
