/**
 * `moh-etl check`: validate the configuration, open every connection (server version, round-trip
 * latency, and a warning when the account could write), then probe every enabled source's template
 * with a zero-row query and check the columns the configuration names against it. A template or
 * column problem is a configuration problem (exit 2, all of them listed); a connection that fails
 * is exit 1.
 */
import { ConnectionSet, openConnection } from '../../db/connection.js';
import { ConfigError, ExitCode } from '../../errors.js';
import { redactSecrets } from '../../config/secret.js';
import { probeSource } from '../../pipeline/probe.js';
import { loadContext } from '../context.js';
import type { CommonFlags } from '../options.js';
import { shownPath, stdout, table, type Out } from '../print.js';

export async function checkCommand(flags: CommonFlags, out: Out = stdout): Promise<number> {
  const loaded = loadContext(flags);
  out(`Configuration OK: ${shownPath(loaded.file)}, ${shownPath(loaded.queriesFile)}`);
  out(
    `${plural(Object.keys(loaded.config.sources).length, 'source')}, ${plural(Object.keys(loaded.config.connections).length, 'connection')}`,
  );
  for (const w of loaded.warnings) out(`warning: ${w}`);

  const rows = [['connection', 'client', 'status', 'latency', 'server']];
  const failed = new Set<string>();
  const warnings: string[] = [];
  for (const [name, config] of Object.entries(loaded.config.connections)) {
    const t0 = performance.now();
    try {
      const conn = openConnection(name, config, loaded.root);
      try {
        const info = await conn.dialect.serverInfo(conn.knex);
        const latency = await roundTrip(() => conn.dialect.serverInfo(conn.knex));
        rows.push([name, config.client, 'ok', `${latency.toFixed(1)} ms`, info.version]);
        const writes = await conn.dialect.writeAccess?.(conn.knex).catch(() => undefined);
        if (writes)
          warnings.push(
            `connection "${name}": the account can write (${writes}); moh-etl only reads, so give it a role with SELECT only (docs/DATA_EXTRACTION_GUIDE.md, "A read-only account")`,
          );
      } finally {
        await conn.close();
      }
    } catch (e) {
      failed.add(name);
      const elapsed = performance.now() - t0;
      rows.push([name, config.client, 'FAILED', `${elapsed.toFixed(0)} ms`, redactSecrets(oneLine(e))]);
    }
  }
  table(rows, out);
  const problems = await probeTemplates(loaded, failed, out);
  for (const w of warnings) out(`warning: ${w}`);
  // One missing key is one problem, however many sources need it.
  const unique = [...new Map(problems.map((p) => [`${p.file}|${p.path}|${p.message}`, p])).values()];
  if (unique.length > 0) throw new ConfigError(unique, { hint: 'fix the templates and keys above' });
  return failed.size === 0 ? ExitCode.Success : ExitCode.RunFailure;
}

/** Probe every enabled source whose connection opened; print one line each; return the problems. */
async function probeTemplates(
  loaded: ReturnType<typeof loadContext>,
  failedConnections: Set<string>,
  out: Out,
): Promise<ConfigError['problems']> {
  const connections = new ConnectionSet(loaded.config.connections, loaded.root);
  const rows = [['source', 'template', 'columns', 'status']];
  const problems: ConfigError['problems'] = [];
  try {
    for (const [name, source] of Object.entries(loaded.config.sources)) {
      if (!source.enabled) continue;
      if (failedConnections.has(source.connection)) {
        rows.push([name, source.query ?? name, '-', `not probed (connection "${source.connection}" failed)`]);
        continue;
      }
      const probe = await probeSource(loaded, connections, name);
      problems.push(...probe.problems);
      const status = probe.failure
        ? `FAILED: ${oneLine(probe.failure)}`
        : probe.problems.length > 0
          ? `${plural(probe.problems.length, 'problem')} (below)`
          : 'ok';
      rows.push([
        name,
        probe.template,
        probe.plan ? String(probe.plan.columns.length) : '-',
        redactSecrets(status),
      ]);
    }
  } finally {
    await connections.closeAll();
  }
  out('');
  table(rows, out);
  return problems;
}

/** Latency of a warm round trip (the first one also pays for connecting). */
async function roundTrip(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

function oneLine(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  const hint = e && typeof e === 'object' && 'hint' in e && typeof e.hint === 'string' ? ` (${e.hint})` : '';
  return (message.split('\n')[0] ?? '') + hint;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
