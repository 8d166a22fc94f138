/**
 * vitest globalSetup: starts one throwaway PostgreSQL and one MariaDB for the whole run (in parallel, in
 * the main vitest process) and provides their connection details to the workers as `mohServers`
 * (see server-info.ts; tests use test/helpers/databases.ts rather than inject() directly).
 *
 * Servers are started only when a test file of this run imports test/helpers/databases.ts (directly or
 * through other relative imports), so `vitest run test/unit` pays nothing. MOH_TEST_SERVERS overrides:
 *   auto (default) | always | never | a comma list of kinds to start, e.g. "postgres".
 *
 * Without CI, a server that cannot start is reported once here and its tests skip with the reason.
 * Under CI=true it fails the whole run.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { startMariadb, startPostgres, type RunningServer } from '../../scripts/lib/servers.js';
import { isCI, SERVER_KINDS, type ServerKind, type ServerInfo, type ServerStatuses } from './server-info.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** Importing either of these means the file needs the servers. */
const SERVER_MODULES = new Set([
  path.join(here, 'databases.ts'),
  path.resolve(here, '../../scripts/lib/servers.ts'),
]);

const starters: Record<ServerKind, () => Promise<RunningServer>> = {
  postgres: () => startPostgres(),
  mariadb: () => startMariadb(),
};

const labels: Record<ServerKind, string> = { postgres: 'PostgreSQL', mariadb: 'MariaDB' };

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const wanted = await serversWanted(project);
  const statuses = {} as ServerStatuses;
  const running: RunningServer[] = [];
  const failures: string[] = [];
  const lines: string[] = [];

  const t0 = Date.now();
  await Promise.all(
    SERVER_KINDS.map(async (kind) => {
      if (!wanted.kinds.has(kind)) {
        statuses[kind] = { available: false, reason: `${labels[kind]} not started: ${wanted.why}` };
        return;
      }
      const started = Date.now();
      try {
        const server = await starters[kind]();
        running.push(server);
        statuses[kind] = { available: true, info: serverInfo(kind, server) };
        lines.push(
          `${labels[kind]} ${shortVersion(server.version)} on ${server.host}:${server.port} (${seconds(Date.now() - started)})`,
        );
      } catch (error) {
        const reason = `${labels[kind]} unavailable: ${error instanceof Error ? error.message : String(error)}`;
        statuses[kind] = { available: false, reason };
        failures.push(reason);
      }
    }),
  );

  const teardown = async () => {
    await Promise.all(running.map((server) => server.stop()));
  };

  if (failures.length > 0 && isCI()) {
    await teardown();
    throw new Error(
      `CI=true: every database server must start, but:\n${failures.map((f) => `  - ${f}`).join('\n')}\n` +
        'Integration tests are not skipped under CI. Install what is missing (.ci/run installs mariadb-server).',
    );
  }

  if (lines.length > 0)
    console.log(`[test servers] ${lines.join('; ')}; ready in ${seconds(Date.now() - t0)}`);
  for (const failure of failures) {
    console.warn(
      `[test servers] ${failure}\n[test servers] tests that need it are skipped (they would fail under CI=true)`,
    );
  }

  project.provide('mohServers', statuses);
  return teardown;
}

async function serversWanted(project: TestProject): Promise<{ kinds: Set<ServerKind>; why: string }> {
  const setting = (process.env.MOH_TEST_SERVERS ?? 'auto').trim().toLowerCase();
  if (setting === 'never' || setting === 'none') return { kinds: new Set(), why: 'MOH_TEST_SERVERS=never' };
  if (setting === 'always' || setting === 'all') return { kinds: new Set(SERVER_KINDS), why: '' };
  if (setting !== 'auto') {
    const kinds = new Set(SERVER_KINDS.filter((kind) => setting.split(',').includes(kind)));
    return { kinds, why: `MOH_TEST_SERVERS=${setting}` };
  }
  let files: string[];
  try {
    // Experimental API (vitest 4): the test files of this run, collected before globalSetup runs.
    files = project.vitest.state.getPaths();
  } catch {
    files = [];
  }
  if (files.length === 0 || (await someImports(files, SERVER_MODULES))) {
    return { kinds: new Set(SERVER_KINDS), why: '' };
  }
  return {
    kinds: new Set(),
    why: 'no test file of this run imports test/helpers/databases.ts (set MOH_TEST_SERVERS=always to start anyway)',
  };
}

const IMPORT = /(?:\bfrom|\bimport)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g;

/** Whether any of `files` reaches one of `targets` through relative imports. */
async function someImports(files: readonly string[], targets: ReadonlySet<string>): Promise<boolean> {
  const seen = new Set<string>();
  const queue = files.map((file) => path.resolve(file));
  while (queue.length > 0) {
    const file = queue.pop();
    if (file === undefined || seen.has(file)) continue;
    seen.add(file);
    if (targets.has(file)) return true;
    let source: string;
    try {
      source = await readFile(file, 'utf8');
    } catch {
      continue;
    }
    for (const match of source.matchAll(IMPORT)) {
      const specifier = match[1];
      if (specifier === undefined) continue;
      const resolved = path.resolve(path.dirname(file), specifier);
      queue.push(resolved.replace(/\.(m|c)?js$/, '.$1ts'), resolved);
    }
  }
  return false;
}

/** The serializable part of a RunningServer. */
function serverInfo(kind: ServerKind, server: RunningServer): ServerInfo {
  const { host, port, user, password, database, url, version } = server;
  return { kind, host, port, user, password, database, url, version };
}

function shortVersion(version: string): string {
  return (
    /^PostgreSQL [\d.]+/.exec(version)?.[0].replace('PostgreSQL ', '') ?? version.split('-')[0] ?? version
  );
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}
