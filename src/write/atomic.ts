/**
 * Files appear whole or not at all: bytes go to a temporary name beside the target, are fsynced,
 * and the file is renamed into place (then the directory is fsynced so the rename survives a crash).
 * Files are created with a restrictive mode because they hold patient data.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { OutputError } from '../errors.js';
import { outputFailure } from './fs-failure.js';
import type { CommittedPart } from './writer.js';

/**
 * Temporary files not yet committed or aborted. An exit that skips the usual cleanup (a second
 * signal, the stop bound, an uncaught error) still removes them: a full disk must not stay full of
 * half-written parts.
 */
const openTemps = new Set<string>();
let exitHookInstalled = false;

export function trackTemp(tempPath: string): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const t of openTemps) rmSync(t, { force: true });
    });
  }
  openTemps.add(tempPath);
}

export function untrackTemp(tempPath: string): void {
  openTemps.delete(tempPath);
}

export class AtomicFile {
  readonly tempPath: string;
  #handle: FileHandle | undefined;
  readonly #hash = createHash('sha256');
  #bytes = 0;

  private constructor(
    readonly finalPath: string,
    handle: FileHandle,
    tempPath: string,
  ) {
    this.#handle = handle;
    this.tempPath = tempPath;
  }

  /** `setting`: the configuration key that chose the directory, named in a failure's hint. */
  static async create(finalPath: string, mode: number, setting?: string): Promise<AtomicFile> {
    ensureDirectory(path.dirname(finalPath), setting);
    // pid alone is not unique: a process killed mid-write leaves its temp file, and a later process
    // may get the same pid (containers restart at low pids).
    const unique = `${process.pid}-${randomBytes(4).toString('hex')}`;
    const tempPath = path.join(path.dirname(finalPath), `.${path.basename(finalPath)}.${unique}.tmp`);
    try {
      trackTemp(tempPath);
      const handle = await open(tempPath, 'wx', mode);
      // The umask may have widened nothing but can narrow; chmod makes the mode exact.
      await handle.chmod(mode);
      return new AtomicFile(finalPath, handle, tempPath);
    } catch (e) {
      await rm(tempPath, { force: true }).catch(() => undefined);
      untrackTemp(tempPath);
      throw outputFailure(e, 'create', finalPath, setting);
    }
  }

  get bytes(): number {
    return this.#bytes;
  }

  async write(chunk: string | Uint8Array): Promise<void> {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    if (buf.length === 0) return;
    this.#hash.update(buf);
    this.#bytes += buf.length;
    const handle = this.#handleOrThrow();
    try {
      // A write near a full disk can be short without an error; the next one then fails with
      // ENOSPC. Taking the short write for a whole one would truncate the file silently.
      for (let done = 0; done < buf.length;) {
        const { bytesWritten } = await handle.write(buf, done, buf.length - done);
        if (bytesWritten <= 0) throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
        done += bytesWritten;
      }
    } catch (e) {
      throw outputFailure(e, 'write', this.finalPath);
    }
  }

  async commit(rows: number): Promise<CommittedPart> {
    const handle = this.#handleOrThrow();
    try {
      await handle.sync();
      await handle.close();
      this.#handle = undefined;
      await rename(this.tempPath, this.finalPath);
      untrackTemp(this.tempPath);
    } catch (e) {
      await this.abort();
      throw outputFailure(e, 'write', this.finalPath);
    }
    await syncDirectory(path.dirname(this.finalPath));
    return { path: this.finalPath, rows, bytes: this.#bytes, sha256: this.#hash.digest('hex') };
  }

  async abort(): Promise<void> {
    await this.#handle?.close().catch(() => undefined);
    this.#handle = undefined;
    await rm(this.tempPath, { force: true });
    untrackTemp(this.tempPath);
  }

  #handleOrThrow(): FileHandle {
    if (!this.#handle) throw new OutputError(`${this.finalPath} is already closed`);
    return this.#handle;
  }
}

/** Write a whole small file (manifest, state) atomically. */
export async function writeFileAtomic(
  finalPath: string,
  content: string,
  mode: number,
  setting?: string,
): Promise<void> {
  const file = await AtomicFile.create(finalPath, mode, setting);
  try {
    await file.write(content);
    await file.commit(0);
  } catch (e) {
    await file.abort();
    throw e;
  }
}

/**
 * mkdir -p with mode 0750 (the umask can only narrow it): directories hold patient data. A file in
 * the way, a read-only mount or a full disk becomes an OutputError naming the path.
 */
export function ensureDirectory(dir: string, setting?: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o750 });
  } catch (e) {
    throw outputFailure(e, 'create directory', dir, setting);
  }
}

export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
