/**
 * `moh-etl check`: validate the configuration, open every connection (server version, round-trip
 * latency, and a warning when the account could write), then probe every enabled source's template
 * with a zero-row query and check the columns the configuration names against it. A template or
 * column problem is a configuration problem (exit 2, all of them listed); a connection that fails
 * is exit 1. `--json`: the same findings as one object.
 */
import { ConnectionSet, openConnection } from '../../db/connection.js';
import { ConfigError, ExitCode, type ConfigProblem } from '../../errors.js';
import { redactSecrets } from '../../config/secret.js';
import type { LoadedConfig } from '../../config/load.js';
import { probeSource } from '../../pipeline/probe.js';
import { loadContext } from '../context.js';
import type { CommonFlags } from '../options.js';
import { shownPath, stdout, table, type Out } from '../print.js';

interface ConnectionCheck {
  name: string;
  client: string;
  ok: boolean;
  latency_ms: number;
  server?: string;
  error?: string;
}

interface TemplateCheck {
  source: string;
  template: string;
  columns?: number;
  status: string;
}

export async function checkCommand(flags: CommonFlags, out: Out = stdout): Promise<number> {
  const loaded = loadContext(flags);
  const warnings = [...loaded.warnings];
  const connections = await checkConnections(loaded, warnings);
  const failed = new Set(connections.filter((c) => !c.ok).map((c) => c.name));
  const { templates, problems } = await probeTemplates(loaded, failed);
  const code =
    problems.length > 0 ? ExitCode.UsageError : failed.size > 0 ? ExitCode.RunFailure : ExitCode.Success;
  if (flags.json) {
    out(
      JSON.stringify({
        config: loaded.file,
        queries: loaded.queriesFile,
        connections,
        templates,
        problems,
        warnings,
        exit_code: code,
      }),
    );
    return code;
  }
  out(`Configuration OK: ${shownPath(loaded.file)}, ${shownPath(loaded.queriesFile)}`);
  out(
    `${plural(Object.keys(loaded.config.sources).length, 'source')}, ${plural(connections.length, 'connection')}`,
  );
  table(
    [
      ['connection', 'client', 'status', 'latency', 'server'],
      ...connections.map((c) => [
        c.name,
        c.client,
        c.ok ? 'ok' : 'FAILED',
        `${c.latency_ms.toFixed(1)} ms`,
        c.server ?? c.error ?? '',
      ]),
    ],
    out,
  );
  out('');
  table(
    [
      ['source', 'template', 'columns', 'status'],
      ...templates.map((t) => [
        t.source,
        t.template,
        t.columns === undefined ? '-' : String(t.columns),
        t.status,
      ]),
    ],
    out,
  );
  for (const w of warnings) out(`warning: ${w}`);
  if (problems.length > 0) throw new ConfigError(problems, { hint: 'fix the templates and keys above' });
  return code;
}

async function checkConnections(loaded: LoadedConfig, warnings: string[]): Promise<ConnectionCheck[]> {
  const checks: ConnectionCheck[] = [];
  for (const [name, config] of Object.entries(loaded.config.connections)) {
    const t0 = performance.now();
    try {
      const conn = openConnection(name, config, loaded.root);
      try {
        const info = await conn.dialect.serverInfo(conn.knex);
        const latency = await roundTrip(() => conn.dialect.serverInfo(conn.knex));
        checks.push({ name, client: config.client, ok: true, latency_ms: latency, server: info.version });
        const writes = await conn.dialect.writeAccess?.(conn.knex).catch(() => undefined);
        if (writes)
          warnings.push(
            `connection "${name}": the account can write (${writes}); moh-etl only reads, so give it a role with SELECT only (docs/DATA_EXTRACTION_GUIDE.md, "A read-only account")`,
          );
      } finally {
        await conn.close();
      }
    } catch (e) {
      checks.push({
        name,
        client: config.client,
        ok: false,
        latency_ms: performance.now() - t0,
        error: redactSecrets(oneLine(e)),
      });
    }
  }
  return checks;
}

/** Probe every enabled source whose connection opened. One missing key is one problem, however many sources need it. */
async function probeTemplates(
  loaded: LoadedConfig,
  failedConnections: Set<string>,
): Promise<{ templates: TemplateCheck[]; problems: ConfigProblem[] }> {
  const connections = new ConnectionSet(loaded.config.connections, loaded.root);
  const templates: TemplateCheck[] = [];
  const problems = new Map<string, ConfigProblem>();
  try {
    for (const [name, source] of Object.entries(loaded.config.sources)) {
      if (!source.enabled) continue;
      const template = source.query ?? name;
      if (failedConnections.has(source.connection)) {
        templates.push({
          source: name,
          template,
          status: `not probed (connection "${source.connection}" failed)`,
        });
        continue;
      }
      const probe = await probeSource(loaded, connections, name);
      for (const p of probe.problems) problems.set(`${p.file}|${p.path}|${p.message}`, p);
      const status = probe.failure
        ? `FAILED: ${oneLine(probe.failure)}`
        : probe.problems.length > 0
          ? `${plural(probe.problems.length, 'problem')} (below)`
          : 'ok';
      templates.push({
        source: name,
        template,
        ...(probe.plan ? { columns: probe.plan.columns.length } : {}),
        status: redactSecrets(status),
      });
    }
  } finally {
    await connections.closeAll();
  }
  return { templates, problems: [...problems.values()] };
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
