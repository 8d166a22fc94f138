/**
 * The Parquet encoder thread. Extraction is single-threaded JavaScript, so encoding and compressing
 * on the same thread adds its whole cost to every row; in a worker it overlaps with reading the next
 * batches and uses the second core. The writing thread keeps what needs the rows (filling Arrow
 * buffers) and transfers each chunk as Arrow IPC bytes (moved, not copied); the worker runs a
 * LocalParquetSink per part: encoder, temporary file, hash, footer check, fsync and rename.
 *
 * One worker serves every Parquet part of the process. It is referenced only while a part is open,
 * so it never keeps the process alive. If it dies, every open part fails with an OutputError and the
 * next part starts a new worker. Crash safety is the sink's: nothing is renamed before commit; abort
 * removes the temporary file (and the writing thread removes it again, in case the worker is gone).
 */
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { OutputError } from '../errors.js';
import { trackTemp, untrackTemp } from './atomic.js';
import { outputFailure } from './fs-failure.js';
import type { ParquetSink, ParquetSinkJob } from './parquet-sink.js';
import type { CommittedPart } from './writer.js';

export type EncoderRequest =
  | { op: 'open'; seq: number; id: number; job: ParquetSinkJob }
  | { op: 'push'; seq: number; id: number; ipc: Uint8Array; length: number }
  | { op: 'commit'; seq: number; id: number; rows: number }
  | { op: 'abort'; seq: number; id: number };

export interface ReplyError {
  message: string;
  /** The worker threw an OutputError (its message already names the file). */
  output: boolean;
  hint?: string | undefined;
}

export type EncoderReply =
  | { seq: number; ok: true; bytes: number; tempPath?: string; part?: CommittedPart; spare?: ArrayBuffer }
  | { seq: number; ok: false; error: ReplyError };

type Success = Extract<EncoderReply, { ok: true }>;

/** Chunks handed over and not yet taken by the encoder: one encoding, one waiting. */
const MAX_IN_FLIGHT = 2;

const BESIDE = new URL('./parquet-worker.js', import.meta.url);
// Run from the TypeScript sources (vitest), there is no .js beside this module: use the compiled
// worker, which `npm test` builds first.
const COMPILED = new URL('../../dist/src/write/parquet-worker.js', import.meta.url);

/** The worker script, or undefined when none is built (the writer then encodes in its own thread). */
export function encoderThreadScript(): URL | undefined {
  for (const url of [BESIDE, COMPILED])
    if (url.protocol === 'file:' && existsSync(fileURLToPath(url))) return url;
  return undefined;
}

class EncoderThread {
  readonly #worker: Worker;
  readonly #waiting = new Map<number, { resolve: (r: Success) => void; reject: (e: Error) => void }>();
  #seq = 0;
  #openParts = 0;
  #dead: Error | undefined;

  constructor(script: URL) {
    this.#worker = new Worker(script);
    this.#worker.unref();
    this.#worker.on('message', (r: EncoderReply) => {
      const waiter = this.#waiting.get(r.seq);
      this.#waiting.delete(r.seq);
      if (!waiter) return;
      if (r.ok) waiter.resolve(r);
      else waiter.reject(replyError(r.error));
    });
    this.#worker.on('error', (e) => this.#die(e));
    this.#worker.on('messageerror', (e) => this.#die(e));
    this.#worker.on('exit', (code) =>
      this.#die(new Error(`the Parquet encoder thread exited (code ${code})`)),
    );
  }

  get alive(): boolean {
    return this.#dead === undefined;
  }

  /** Sends one request; resolves with its reply. Never rejects unobserved: callers attach handlers. */
  request(m: DistributiveOmit<EncoderRequest, 'seq'>, transfer: ArrayBuffer[] = []): Promise<Success> {
    if (this.#dead) return Promise.reject(this.#dead);
    const seq = ++this.#seq;
    return new Promise<Success>((resolve, reject) => {
      this.#waiting.set(seq, { resolve, reject });
      this.#worker.postMessage({ ...m, seq }, transfer);
    });
  }

  /** A part opened (keeps the process waiting for the worker) or closed. */
  hold(delta: 1 | -1): void {
    this.#openParts += delta;
    if (this.#openParts > 0) this.#worker.ref();
    else this.#worker.unref();
  }

  async stop(): Promise<void> {
    this.#die(new Error('the Parquet encoder thread was stopped'));
    await this.#worker.terminate();
  }

  #die(e: Error): void {
    this.#dead ??= e;
    if (current === this) current = undefined;
    for (const w of this.#waiting.values()) w.reject(this.#dead);
    this.#waiting.clear();
    void this.#worker.terminate().catch(() => undefined);
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

let current: EncoderThread | undefined;
let nextId = 0;

function encoderThread(script: URL): EncoderThread {
  if (!current?.alive) current = new EncoderThread(script);
  return current;
}

function replyError(e: ReplyError): Error {
  return e.output ? new OutputError(e.message, { hint: e.hint }) : new Error(e.message);
}

/** A ParquetSink whose encoder and file live in the encoder thread. */
export class ThreadParquetSink implements ParquetSink {
  #bytes = 0;
  readonly #inFlight: Promise<void>[] = [];
  readonly #spare: ArrayBuffer[] = [];
  #failure: Error | undefined;
  #closed = false;

  private constructor(
    private readonly thread: EncoderThread,
    private readonly id: number,
    private readonly finalPath: string,
    private readonly tempPath: string,
  ) {}

  static async open(script: URL, job: ParquetSinkJob): Promise<ThreadParquetSink> {
    const thread = encoderThread(script);
    const id = ++nextId;
    thread.hold(1);
    try {
      const reply = await thread.request({ op: 'open', id, job });
      // The worker writes the file; this thread remembers it too, to remove it on any exit.
      trackTemp(reply.tempPath!);
      return new ThreadParquetSink(thread, id, job.path, reply.tempPath!);
    } catch (e) {
      thread.hold(-1);
      throw outputError(job.path, e);
    }
  }

  get bytes(): number {
    return this.#bytes;
  }

  async push(ipc: Uint8Array): Promise<void> {
    this.#check();
    const own = this.#buffer(ipc.byteLength);
    own.set(ipc);
    const request = { op: 'push', id: this.id, ipc: own, length: ipc.byteLength } as const;
    const taken = this.thread.request(request, [own.buffer as ArrayBuffer]).then(
      (r) => {
        this.#bytes = Math.max(this.#bytes, r.bytes);
        if (r.spare && this.#spare.length < MAX_IN_FLIGHT + 1) this.#spare.push(r.spare);
      },
      (e: unknown) => void (this.#failure ??= outputError(this.finalPath, e)),
    );
    this.#inFlight.push(taken);
    while (this.#inFlight.length > MAX_IN_FLIGHT) await this.#inFlight.shift();
    this.#check();
  }

  async commit(rows: number): Promise<CommittedPart> {
    await Promise.all(this.#inFlight.splice(0));
    this.#check();
    try {
      const reply = await this.thread.request({ op: 'commit', id: this.id, rows });
      this.#bytes = reply.bytes;
      untrackTemp(this.tempPath);
      return reply.part!;
    } catch (e) {
      this.#failure ??= outputError(this.finalPath, e);
      throw this.#failure;
    } finally {
      this.#release();
    }
  }

  async abort(): Promise<void> {
    this.#failure ??= new OutputError(`${this.finalPath}: aborted`);
    try {
      await this.thread.request({ op: 'abort', id: this.id });
    } catch {
      // The worker is gone or failed to clean up: remove the temporary file from here.
    } finally {
      this.#release();
    }
    await rm(this.tempPath, { force: true });
    untrackTemp(this.tempPath);
  }

  /**
   * A transferable buffer for `length` bytes. Chunks travel in a few buffers that the worker hands
   * back, instead of a fresh multi-megabyte allocation freed by the other thread for every chunk:
   * measured, that churn left about 60 MB more resident in glibc's per-thread arenas.
   */
  #buffer(length: number): Uint8Array {
    const i = this.#spare.findIndex((b) => b.byteLength >= length);
    const spare = i >= 0 ? this.#spare.splice(i, 1)[0]! : new ArrayBuffer(Math.ceil(length * 1.25));
    return new Uint8Array(spare, 0, spare.byteLength);
  }

  #release(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.thread.hold(-1);
  }

  #check(): void {
    if (this.#failure) throw this.#failure;
  }
}

function outputError(path: string, e: unknown): OutputError {
  if (e instanceof OutputError) return e;
  // A file-system error from the worker arrives as a message; keep its cause in words.
  const code = /\b(ENOSPC|EDQUOT|EROFS|EACCES|EIO)\b/.exec(e instanceof Error ? e.message : String(e))?.[1];
  if (code) return outputFailure(Object.assign(new Error(code), { code }), 'write', path) as OutputError;
  const message = e instanceof Error ? e.message : String(e);
  return new OutputError(`${path}: the Parquet encoder failed: ${message}`, { cause: e });
}

/** Stops the encoder thread; open parts fail with an OutputError (used by tests and at shutdown). */
export async function stopEncoderThread(): Promise<void> {
  await current?.stop();
}
