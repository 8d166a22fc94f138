/**
 * `moh-etl check`: validate the configuration and open every connection, reporting the server's
 * version and the round-trip latency. Exit 1 when any connection fails.
 */
import { openConnection } from '../../db/connection.js';
import { ExitCode } from '../../errors.js';
import { redactSecrets } from '../../config/secret.js';
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
  let failed = 0;
  for (const [name, config] of Object.entries(loaded.config.connections)) {
    const t0 = performance.now();
    try {
      const conn = openConnection(name, config, loaded.root);
      try {
        const info = await conn.dialect.serverInfo(conn.knex);
        const latency = await roundTrip(() => conn.dialect.serverInfo(conn.knex));
        rows.push([name, config.client, 'ok', `${latency.toFixed(1)} ms`, info.version]);
      } finally {
        await conn.close();
      }
    } catch (e) {
      failed++;
      const elapsed = performance.now() - t0;
      rows.push([name, config.client, 'FAILED', `${elapsed.toFixed(0)} ms`, redactSecrets(oneLine(e))]);
    }
  }
  table(rows, out);
  return failed === 0 ? ExitCode.Success : ExitCode.RunFailure;
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
