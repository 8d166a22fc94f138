/**
 * A directory that runs out of space part way through a run, and gets room again for the rerun.
 *
 * Two ways, chosen once when this module loads (so a test title can say which one ran):
 * - `tmpfs`: a small tmpfs mounted on the directory, remounted bigger to make room. Needs root with
 *   CAP_SYS_ADMIN; probed by mounting a throwaway tmpfs.
 * - `injected ENOSPC`: without that, the CLI child preloads a module (`node --import`) that makes
 *   every write to a file under the directory fail with ENOSPC once `bytes` have been written, a
 *   short write first as a real disk does. Making room is running the next child without it.
 * MOH_FAULT_DISK=tmpfs|injected forces one (to exercise the fallback where tmpfs works).
 *
 *   const disk = fullDiskAt(outputDir, 384 * 1024, workDir);
 *   await runCliChild({ …, nodeArgs: disk.nodeArgs(), env: disk.env() });   // runs out of space
 *   disk.enlarge();
 *   await runCliChild({ …, nodeArgs: disk.nodeArgs(), env: disk.env() });   // room again
 *   disk.release();                                                         // in a finally
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export type FullDiskMethod = 'tmpfs' | 'injected ENOSPC';

export interface FullDisk {
  method: FullDiskMethod;
  /** Node flags for the next CLI child. */
  nodeArgs(): string[];
  /** Environment for the next CLI child. */
  env(): NodeJS.ProcessEnv;
  /** Make room: remount 64 MiB, or stop injecting. */
  enlarge(): void;
  /** Unmount (the files on the tmpfs go with it). Idempotent; call it in a finally. */
  release(): void;
}

/** How a full disk is made here, and why (printed in the test title and log). */
export const fullDiskMethod: { method: FullDiskMethod; why: string } = detect();

function detect(): { method: FullDiskMethod; why: string } {
  const forced = process.env.MOH_FAULT_DISK;
  if (forced === 'injected') return { method: 'injected ENOSPC', why: 'MOH_FAULT_DISK=injected' };
  if (process.getuid?.() !== 0 && forced !== 'tmpfs')
    return { method: 'injected ENOSPC', why: 'not root: cannot mount a tmpfs' };
  const probe = mkdtempSync(path.join(os.tmpdir(), 'moh-etl-tmpfs-probe-'));
  try {
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], {
      encoding: 'utf8',
    });
    if (mounted.status !== 0) {
      const why = (mounted.stderr || String(mounted.error ?? '')).trim().split('\n')[0];
      return { method: 'injected ENOSPC', why: `mount -t tmpfs failed: ${why}` };
    }
    spawnSync('umount', [probe]);
    return { method: 'tmpfs', why: 'root with CAP_SYS_ADMIN: a real tmpfs' };
  } finally {
    try {
      rmdirSync(probe);
    } catch {
      // still mounted (umount failed): leave the empty directory rather than throw at import
    }
  }
}

function mount(args: string[]): void {
  const r = spawnSync('mount', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`mount ${args.join(' ')} failed: ${r.stderr || String(r.error)}`);
}

/**
 * `dir` (created if needed) with room for about `bytes`; `workDir` holds the preload module of the
 * injected method and must not be under `dir`.
 */
export function fullDiskAt(dir: string, bytes: number, workDir: string): FullDisk {
  mkdirSync(dir, { recursive: true });
  return fullDiskMethod.method === 'tmpfs' ? tmpfsDisk(dir, bytes) : injectedDisk(dir, bytes, workDir);
}

function tmpfsDisk(dir: string, bytes: number): FullDisk {
  mount(['-t', 'tmpfs', '-o', `size=${bytes},mode=0750`, 'tmpfs', dir]);
  let mounted = true;
  return {
    method: 'tmpfs',
    nodeArgs: () => [],
    env: () => ({}),
    enlarge: () => mount(['-o', 'remount,size=64m', dir]),
    release() {
      if (!mounted) return;
      const r = spawnSync('umount', [dir], { encoding: 'utf8' });
      // Busy (a child still running): detach it now; it goes once the last file is closed.
      if (r.status !== 0) spawnSync('umount', ['-l', dir]);
      mounted = false;
    },
  };
}

function injectedDisk(dir: string, bytes: number, workDir: string): FullDisk {
  const preload = path.join(workDir, 'enospc-preload.mjs');
  writeFileSync(preload, PRELOAD);
  let full = true;
  return {
    method: 'injected ENOSPC',
    nodeArgs: () => (full ? ['--import', pathToFileURL(preload).href] : []),
    env: () =>
      full ? { MOH_FAULT_ENOSPC_DIR: path.resolve(dir), MOH_FAULT_ENOSPC_BYTES: String(bytes) } : {},
    enlarge: () => void (full = false),
    release: () => undefined,
  };
}

/**
 * The injected full disk: handles opened (fs/promises `open`) on files under the directory share a
 * budget of bytes; a write that does not fit writes what does (a short write), and the next one
 * fails with ENOSPC like write(2). syncBuiltinESMExports makes `import { open } from
 * 'node:fs/promises'` in the program see the wrapped `open`.
 */
const PRELOAD = `
import fsp from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';
import path from 'node:path';
const dir = process.env.MOH_FAULT_ENOSPC_DIR + path.sep;
let left = Number(process.env.MOH_FAULT_ENOSPC_BYTES);
const onDisk = new WeakSet();
const open = fsp.open;
fsp.open = async function (file, ...rest) {
  const handle = await open.call(this, file, ...rest);
  if (path.resolve(String(file)).startsWith(dir)) onDisk.add(handle);
  return handle;
};
const probe = await open(process.execPath, 'r');
const proto = Object.getPrototypeOf(probe);
await probe.close();
const write = proto.write;
proto.write = async function (buffer, offset, length, position) {
  if (!onDisk.has(this) || typeof buffer === 'string') return write.apply(this, arguments);
  const from = offset ?? 0;
  const want = length ?? buffer.byteLength - from;
  if (left <= 0) {
    throw Object.assign(new Error('ENOSPC: no space left on device, write'), {
      errno: -28, code: 'ENOSPC', syscall: 'write',
    });
  }
  const n = Math.min(want, left);
  left -= n;
  return write.call(this, buffer, from, n, position);
};
syncBuiltinESMExports();
`;
