#!/usr/bin/env node
/**
 * Validation benchmark: loads N synthetic attendances (with their child rows) into a throwaway
 * PostgreSQL, then runs every configured check of one source (config/database.yml, default
 * attendances) in a separate process and prints its wall time, rows/s and peak RSS. Also compares
 * the row engine's own-type predicate with a zod safeParse per value.
 *
 *   npm run build && npm run bench:validate -- [--attendances 1000000] [--days 40] [--source attendances]
 *
 * Target (issue 5): all checks of one source over 10M rows in < 60 s, peak RSS < 256 MB.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { parse, stringify } from 'yaml';
import { loadConfig } from '../src/config/load.js';
import { openConnection } from '../src/db/connection.js';
import { silentLogger } from '../src/observe/logger.js';
import { parseDate } from '../src/synth/calendar.js';
import { attendanceCount, createDemoDatabase, DEFAULT_OPTIONS } from '../src/synth/index.js';
import { valueCheck } from '../src/validate/row/type-schema.js';
import { validateSource } from '../src/validate/source.js';
import { startPostgres } from './lib/servers.js';

const { values } = parseArgs({
  options: {
    attendances: { type: 'string', default: '1000000' },
    days: { type: 'string', default: '40' },
    source: { type: 'string', default: 'attendances' },
    child: { type: 'string' },
  },
});

if (values.child) await child(values.child, values.source);
else await parent();

/** The measured process: load the config, connect, validate one source, print JSON. */
async function child(root: string, source: string): Promise<void> {
  const loaded = loadConfig({ root, env: { ...process.env } });
  const conn = openConnection('src', loaded.config.connections.src!, root);
  const t0 = performance.now();
  try {
    const report = await validateSource({
      loaded,
      conn,
      name: source,
      scope: { kind: 'full' },
      runId: `bench-${Date.now()}`,
      now: new Date(),
      log: silentLogger(),
    });
    const seconds = (performance.now() - t0) / 1000;
    // The same source with the stream-engine checks removed: what the SQL pushdown alone costs.
    const checks0 = loaded.config.validation.sources[source] ?? [];
    loaded.config.validation.sources[source] = checks0.filter(
      (c) => c.check !== 'type' && c.check !== 'pattern',
    );
    const t1 = performance.now();
    await validateSource({
      loaded,
      conn,
      name: source,
      scope: { kind: 'full' },
      runId: `bench-sql-${Date.now()}`,
      now: new Date(),
      log: silentLogger(),
    });
    const sqlSeconds = (performance.now() - t1) / 1000;
    const checks = report.checks.map((c) => `${c.id}=${c.status}`);
    process.stdout.write(
      JSON.stringify({
        rows: report.rows,
        seconds,
        sqlSeconds,
        rss: process.resourceUsage().maxRSS,
        checks,
      }) + '\n',
    );
  } finally {
    await conn.close();
  }
}

async function parent(): Promise<void> {
  const target = Number(values.attendances);
  const days = Number(values.days);
  const seed = DEFAULT_OPTIONS.seed;
  const startDate = DEFAULT_OPTIONS.startDate;
  let atScale1 = 0;
  for (let d = 0; d < days; d++) atScale1 += attendanceCount(seed, parseDate(startDate) + d, 1);
  const scale = Number((target / atScale1).toFixed(6));

  microbench();
  const server = await startPostgres();
  const root = mkdtempSync(path.join(os.tmpdir(), 'moh-bench-validate-'));
  try {
    const client = new pg.Client({ connectionString: server.url });
    await client.connect();
    const t0 = performance.now();
    const loadedRows = await createDemoDatabase(
      { dialect: 'postgres', client },
      { seed, scale, startDate, days },
    );
    await client.end();
    console.log(
      `loaded ${loadedRows.counts.attendances.toLocaleString('en-US')} attendances (all tables) in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );

    const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
    cpSync(path.join(repo, 'config'), path.join(root, 'config'), { recursive: true });
    const doc = parse(readFileSync(path.join(root, 'config/database.yml'), 'utf8')) as Record<
      string,
      Record<string, unknown>
    >;
    doc.connections = {
      src: {
        client: 'postgres',
        host: server.host,
        port: server.port,
        database: server.database,
        user: server.user,
        password: '${MOH_BENCH_PASSWORD}',
      },
    };
    for (const s of Object.values(doc.sources as Record<string, Record<string, unknown>>))
      s.connection = 'src';
    doc.extraction = { ...doc.extraction, default_connection: 'src' };
    mkdirSync(path.join(root, 'config'), { recursive: true });
    writeFileSync(path.join(root, 'config/database.yml'), stringify(doc));

    const self = fileURLToPath(import.meta.url);
    const r = spawnSync(process.execPath, [self, '--child', root, '--source', values.source], {
      env: { ...process.env, MOH_BENCH_PASSWORD: server.password },
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`validation child failed:\n${r.stderr}`);
    const m = JSON.parse(r.stdout.trim().split('\n').pop()!) as {
      rows: number;
      seconds: number;
      sqlSeconds: number;
      rss: number;
      checks: string[];
    };
    console.log(`PostgreSQL ${server.version.split(' ')[1] ?? server.version}`);
    console.log(`source ${values.source}: ${m.rows.toLocaleString('en-US')} rows, ${m.checks.length} checks`);
    console.log(`  ${m.checks.join('  ')}`);
    console.log(
      `all checks: ${m.seconds.toFixed(2)} s (${Math.round(m.rows / m.seconds).toLocaleString('en-US')} rows/s)`,
    );
    console.log(`SQL pushdown checks alone (no type/pattern streaming): ${m.sqlSeconds.toFixed(2)} s`);
    console.log(`peak RSS of the validating process: ${Math.round(m.rss / 1024)} MB`);
  } finally {
    rmSync(root, { recursive: true, force: true });
    await server.stop();
  }
}

/** Own-type predicate vs zod safeParse, per value (the stream engine's inner loop). */
function microbench(): void {
  const n = 1_000_000;
  const vals = Array.from({ length: n }, (_, i) => String(1_000_000_000 + i));
  for (const [label, check] of [
    ['predicate', valueCheck('int64', 'int64')],
    ['zod', valueCheck('int64', 'int64', true)],
  ] as const) {
    const t0 = performance.now();
    let ok = 0;
    for (const v of vals) if (check(v)) ok++;
    const ms = performance.now() - t0;
    console.log(
      `type check int64, ${label}: ${Math.round(n / (ms / 1000)).toLocaleString('en-US')} values/s (${ok === n ? 'all valid' : 'MISMATCH'})`,
    );
  }
}
