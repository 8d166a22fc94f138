/** Process bookkeeping for the throwaway servers: ports, spawning, readiness, cleanup however we die. */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, rmSync, constants as fsConstants } from 'node:fs';
import { access, readFile, stat } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import type { RunningServer } from './types.js';

export const HOST = '127.0.0.1';
export const TEST_DATABASE = 'moh_test';
export const READY_TIMEOUT_MS = 60_000;
export const STOP_TIMEOUT_MS = 20_000;
export const PORT_ATTEMPTS = 5;
export const PROBE_TIMEOUT_MS = 5_000;

// ---------------------------------------------------------------------------------------------------------
// Process bookkeeping: what must be killed and removed if this process goes away.

export interface LiveServer {
  pid: number;
  /** Signal for a synchronous last-moment kill (the process is exiting; no time to wait). */
  exitSignal: NodeJS.Signals;
  dir: string;
}

export const live = new Set<LiveServer>();
let handlersInstalled = false;

export function killLiveServersSync(): void {
  for (const server of live) {
    try {
      process.kill(server.pid, server.exitSignal);
    } catch {
      // already gone
    }
    try {
      rmSync(server.dir, { recursive: true, force: true, maxRetries: 2 });
    } catch {
      // the watchdog removes it once the server has exited
    }
  }
  live.clear();
}

export function onSignal(signal: NodeJS.Signals): void {
  killLiveServersSync();
  // If nobody else handles this signal, restore the default behaviour (terminate) and re-raise it.
  if (process.listenerCount(signal) === 1) {
    process.removeListener(signal, onSignal);
    process.kill(process.pid, signal);
  }
}

export function installExitHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', killLiveServersSync);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);
}

export const WATCHDOG_SCRIPT = `
parent=$1; server=$2; sig=$3; dir=$4
while kill -0 "$parent" 2>/dev/null; do sleep 1; done
if kill -0 "$server" 2>/dev/null; then
  kill -s "$sig" "$server" 2>/dev/null
  n=0
  while kill -0 "$server" 2>/dev/null && [ "$n" -lt 150 ]; do sleep 0.1; n=$((n+1)); done
  kill -s KILL "$server" 2>/dev/null
fi
rm -rf "$dir"
`;

/** A detached shell that stops the server and removes `dir` once this process has died, however it died. */
export function startWatchdog(serverPid: number, signal: string, dir: string): ChildProcess | undefined {
  if (process.platform === 'win32') return undefined;
  try {
    const watchdog = spawn(
      '/bin/sh',
      ['-c', WATCHDOG_SCRIPT, 'moh-etl-server-watchdog', String(process.pid), String(serverPid), signal, dir],
      { detached: true, stdio: 'ignore' },
    );
    watchdog.on('error', () => undefined);
    watchdog.unref();
    return watchdog;
  } catch {
    return undefined;
  }
}

export function stopWatchdog(watchdog: ChildProcess | undefined): void {
  if (watchdog?.pid === undefined) return;
  try {
    process.kill(-watchdog.pid, 'SIGKILL'); // its own process group: the shell and its `sleep`
  } catch {
    // already gone
  }
}

// ---------------------------------------------------------------------------------------------------------
// Small helpers

/** A free TCP port on 127.0.0.1 (bind port 0, read it, close). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not determine a free port'));
      });
    });
  });
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

export async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, fsConstants.X_OK);
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

export async function findExecutable(
  names: readonly string[],
  dirs: readonly string[],
): Promise<string | undefined> {
  for (const name of names) {
    for (const dir of dirs) {
      if (!dir) continue;
      const candidate = path.join(dir, name);
      if (await isExecutable(candidate)) return candidate;
    }
  }
  return undefined;
}

export function pathDirs(): string[] {
  return (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
}

export async function tailOf(file: string, lines = 25): Promise<string> {
  try {
    const text = await readFile(file, 'utf8');
    return text.trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

export function run(
  file: string,
  args: string[],
  options: { uid?: number; gid?: number; env?: NodeJS.ProcessEnv } = {},
) {
  return new Promise<{ code: number | null; output: string; error?: Error }>((resolve) => {
    execFile(file, args, { ...options, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      // stderr first: that is where initdb and mariadb-install-db say what went wrong.
      const output = [stderr.trim(), stdout.trim()].filter(Boolean).join('\n');
      if (!error) resolve({ code: 0, output });
      else resolve({ code: typeof error.code === 'number' ? error.code : null, output, error });
    });
  });
}

export function firstLines(text: string, lines = 25): string {
  return text.split('\n').slice(0, lines).join('\n');
}

export interface Account {
  name: string;
  uid: number;
  gid: number;
}

export async function lookupAccount(name: string): Promise<Account | undefined> {
  const [uid, gid] = await Promise.all([run('id', ['-u', name]), run('id', ['-g', name])]);
  if (uid.code !== 0 || gid.code !== 0) return undefined;
  return { name, uid: Number.parseInt(uid.output, 10), gid: Number.parseInt(gid.output, 10) };
}

export function exitPromise(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

/** Signal the server, wait for it to exit, escalate after a timeout. */
export async function terminate(child: ChildProcess, signals: readonly NodeJS.Signals[]): Promise<void> {
  child.ref(); // keep the event loop alive while we wait
  const exited = exitPromise(child);
  for (const signal of signals) {
    if (child.exitCode !== null || child.signalCode !== null) return;
    try {
      child.kill(signal);
    } catch {
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      exited.then(() => false),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), STOP_TIMEOUT_MS))),
    ]);
    clearTimeout(timer);
    if (!timedOut) return;
  }
  await exited;
}

export class StartFailure extends Error {
  constructor(
    message: string,
    readonly portInUse: boolean,
  ) {
    super(message);
  }
}

/** Poll `probe` until it succeeds, the child exits or the timeout passes. */
export async function waitUntilReady<T>(
  child: ChildProcess,
  logFile: string,
  what: string,
  probe: () => Promise<T>,
): Promise<T> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let lastError: unknown;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      const log = await tailOf(logFile);
      const status = child.signalCode ?? `code ${child.exitCode}`;
      throw new StartFailure(
        `${what} exited during startup (${status}). Last log lines:\n${log}`,
        /address already in use/i.test(log),
      );
    }
    // A probe may hang (e.g. someone else's process holds the port and never answers): bound each attempt
    // and stop waiting as soon as the server process exits.
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        probe(),
        exitPromise(child).then(() => Promise.reject(new Error('server exited'))),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`no answer within ${PROBE_TIMEOUT_MS} ms`)),
            PROBE_TIMEOUT_MS,
          );
        }),
      ]);
    } catch (error) {
      lastError = error;
    } finally {
      clearTimeout(timer);
    }
    if (Date.now() > deadline) {
      const log = await tailOf(logFile);
      throw new StartFailure(
        `${what} did not accept connections within ${READY_TIMEOUT_MS / 1000}s (last error: ${String(lastError)}). Last log lines:\n${log}`,
        false,
      );
    }
    await sleep(100);
  }
}

export function openLog(file: string): number {
  return openSync(file, 'a', 0o644);
}

export function spawnServer(
  file: string,
  args: string[],
  logFile: string,
  extra: { uid?: number; gid?: number } = {},
) {
  const fd = openLog(logFile);
  try {
    const child = spawn(file, args, {
      ...extra,
      stdio: ['ignore', fd, fd],
      env: { ...process.env, LC_ALL: 'C', LANG: 'C' },
    });
    child.on('error', () => undefined); // spawn errors surface as an exit during startup
    child.unref(); // a forgotten server must not keep the process alive; the exit handler kills it
    return child;
  } finally {
    closeSync(fd);
  }
}

/** Start a server process, retrying with a new port if the one we picked was taken meanwhile. */
export async function launchOnFreePort(
  launch: (port: number) => Promise<{ child: ChildProcess; version: string }>,
): Promise<{ child: ChildProcess; version: string; port: number }> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      return { ...(await launch(port)), port };
    } catch (error) {
      if (error instanceof StartFailure && error.portInUse && attempt < PORT_ATTEMPTS) continue;
      throw error;
    }
  }
}

export function randomPassword(): string {
  return randomBytes(12).toString('hex');
}
// ---------------------------------------------------------------------------------------------------------

export const startTimes = new WeakMap<RunningServer, number>();

/** Milliseconds `start*()` took for this server (for logs and benchmarks). */
export function startupMillis(server: RunningServer): number | undefined {
  return startTimes.get(server);
}

export function once(fn: () => Promise<void>): () => Promise<void> {
  let promise: Promise<void> | undefined;
  return () => (promise ??= fn());
}
