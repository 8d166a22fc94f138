/** A throwaway MariaDB from the machine's mariadbd (see ../servers.ts). */
import { type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { ServerUnavailable, type RunningServer, type StartOptions } from './types.js';
import {
  HOST,
  TEST_DATABASE,
  type LiveServer,
  live,
  installExitHandlers,
  startWatchdog,
  stopWatchdog,
  isRoot,
  isExecutable,
  findExecutable,
  pathDirs,
  run,
  firstLines,
  terminate,
  waitUntilReady,
  spawnServer,
  launchOnFreePort,
  randomPassword,
  startTimes,
  once,
} from './process.js';

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
