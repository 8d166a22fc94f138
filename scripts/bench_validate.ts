#!/usr/bin/env node
/**
 * Validation benchmark: loads N synthetic attendances (with their child rows) into a throwaway
 * PostgreSQL, then, in a separate measured process, runs one source's checks (config/database.yml,
 * default attendances) three ways and prints wall time, rows/s and peak RSS:
 *   - all checks, as `moh-etl validate` runs them: the SQL pushdown and the row stream at once;
 *   - the SQL pushdown alone (the row-level kinds removed);
 *   - the row stream alone, split into reading the batches and checking them: the checking share is
 *     what `moh-etl run` adds to its extraction, which feeds the same RowValidator as it writes.
 * Also compares the row engine's own-type predicate with a zod safeParse per value.
 *
 *   npm run build && npm run bench:validate -- [--attendances 1000000] [--days 40] [--source attendances]
 *                                              [--cpu-prof DIR]
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
import { loadConfig, type LoadedConfig } from '../src/config/load.js';
import { openConnection, type SourceConnection } from '../src/db/connection.js';
import { readBatches } from '../src/extract/batches.js';
import { silentLogger } from '../src/observe/logger.js';
import { parseDate } from '../src/synth/calendar.js';
import { attendanceCount, createDemoDatabase, DEFAULT_OPTIONS } from '../src/synth/index.js';
import { sourceRowValidator } from '../src/validate/row/for-source.js';
import { valueCheck } from '../src/validate/row/type-schema.js';
import { scopedPlan } from '../src/validate/scope.js';
import { validateSource } from '../src/validate/source.js';
import { startPostgres } from './lib/servers.js';

const USAGE = `Usage: npm run bench:validate -- [options]

  --attendances N   attendances to load (default 1000000; child tables scale with it)
  --days N          days of data (default 40)
  --source NAME     the source whose checks are measured (default attendances)
  --cpu-prof DIR    write a V8 CPU profile of the measured process to DIR
  -h, --help        this text`;

const { values } = parseArgs({
  options: {
    attendances: { type: 'string', default: '1000000' },
    days: { type: 'string', default: '40' },
    source: { type: 'string', default: 'attendances' },
    'cpu-prof': { type: 'string' },
    child: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

/** The row-level kinds: what the SQL-only figure leaves out. */
const ROW_KINDS = new Set(['type', 'pattern']);

interface Measured {
  rows: number;
  checks: string[];
  /** All checks: the SQL pushdown and the row stream at once. */
  seconds: number;
  sqlSeconds: number;
  /** The row stream alone: reading the batches, and checking them. */
  readSeconds: number;
  observeSeconds: number;
  rss: number;
}

if (values.help) console.log(USAGE);
else if (values.child) await child(values.child, values.source);
else await parent();

/** The measured process: load the config, connect, validate one source three ways, print JSON. */
async function child(root: string, source: string): Promise<void> {
  const loaded = loadConfig({ root, env: { ...process.env } });
  const conn = openConnection('src', loaded.config.connections.src!, root);
  const validate = (runId: string) =>
    validateSource({
      loaded,
      conn,
      name: source,
      scope: { kind: 'full' },
      runId: `${runId}-${Date.now()}`,
      now: new Date(),
      log: silentLogger(),
    });
  try {
    const t0 = performance.now();
    const report = await validate('bench');
    const seconds = (performance.now() - t0) / 1000;
    const rowPass = await rowStream(loaded, conn, source);
    const checks0 = loaded.config.validation.sources[source] ?? [];
    loaded.config.validation.sources[source] = checks0.filter((c) => !ROW_KINDS.has(c.check));
    const t1 = performance.now();
    await validate('bench-sql');
    const sqlSeconds = (performance.now() - t1) / 1000;
    const m: Measured = {
      rows: report.rows,
      checks: report.checks.map((c) => `${c.id}=${c.status}`),
      seconds,
      sqlSeconds,
      ...rowPass,
      rss: process.resourceUsage().maxRSS,
    };
    process.stdout.write(JSON.stringify(m) + '\n');
  } finally {
    await conn.close();
  }
}

/** The row checks over the whole source, timing the checking apart from the reading. */
async function rowStream(
  loaded: LoadedConfig,
  conn: SourceConnection,
  source: string,
): Promise<{ readSeconds: number; observeSeconds: number }> {
  const { plan } = await scopedPlan(loaded, conn, source, { kind: 'full' });
  const validator = sourceRowValidator(loaded, source, plan.columns, new Date());
  let observing = 0;
  const t0 = performance.now();
  for await (const batch of readBatches(conn, plan, undefined)) {
    const t = performance.now();
    validator.observe(batch);
    observing += performance.now() - t;
  }
  const total = performance.now() - t0;
  return { readSeconds: (total - observing) / 1000, observeSeconds: observing / 1000 };
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
    const prof = values['cpu-prof']
      ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(values['cpu-prof'])}`]
      : [];
    const r = spawnSync(process.execPath, [...prof, self, '--child', root, '--source', values.source], {
      env: { ...process.env, MOH_BENCH_PASSWORD: server.password },
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`validation child failed:\n${r.stderr}`);
    const m = JSON.parse(r.stdout.trim().split('\n').pop()!) as Measured;
    printMeasured(m, server.version);
  } finally {
    rmSync(root, { recursive: true, force: true });
    await server.stop();
  }
}

function printMeasured(m: Measured, version: string): void {
  const rate = (seconds: number) => `${Math.round(m.rows / seconds).toLocaleString('en-US')} rows/s`;
  const at10M = (seconds: number) => `${((seconds * 10_000_000) / m.rows).toFixed(0)} s`;
  const streamSeconds = m.readSeconds + m.observeSeconds;
  console.log(`PostgreSQL ${version.split(' ')[1] ?? version}`);
  console.log(`source ${values.source}: ${m.rows.toLocaleString('en-US')} rows, ${m.checks.length} checks`);
  console.log(`  ${m.checks.join('  ')}`);
  console.log(
    `all checks (SQL pushdown and row stream at once): ${m.seconds.toFixed(2)} s, ${rate(m.seconds)} (10M rows at this rate: ${at10M(m.seconds)})`,
  );
  console.log(
    `SQL pushdown checks alone (no ${[...ROW_KINDS].join('/')}): ${m.sqlSeconds.toFixed(2)} s, ${rate(m.sqlSeconds)}`,
  );
  console.log(
    `row stream alone: ${streamSeconds.toFixed(2)} s, ${rate(streamSeconds)} = reading ${m.readSeconds.toFixed(2)} s + checking ${m.observeSeconds.toFixed(2)} s (${((m.observeSeconds * 1e6) / m.rows).toFixed(2)} µs/row: what \`run\` adds to its extraction)`,
  );
  console.log(`peak RSS of the validating process: ${Math.round(m.rss / 1024)} MB`);
}

/** Own-type predicate vs zod safeParse, per value (the stream engine's inner loop). */
function microbench(): void {
  const n = 1_000_000;
  const ints = Array.from({ length: n }, (_, i) => String(1_000_000_000 + i));
  // Canonical timestamps (schema/timestamp-text.ts), as the PostgreSQL reader produces them.
  const stamps = Array.from(
    { length: n },
    (_, i) =>
      `2025-${String((i % 12) + 1).padStart(2, '0')}-${String((i % 28) + 1).padStart(2, '0')}T08:30:${String(i % 60).padStart(2, '0')}.123456`,
  );
  for (const [label, check, vals] of [
    ['int64, predicate', valueCheck('int64', 'int64'), ints],
    ['int64, zod', valueCheck('int64', 'int64', true), ints],
    ['timestamp, predicate', valueCheck('timestamp', 'timestamp'), stamps],
    ['timestamp, zod', valueCheck('timestamp', 'timestamp', true), stamps],
  ] as const) {
    const t0 = performance.now();
    let ok = 0;
    for (const v of vals) if (check(v)) ok++;
    const ms = performance.now() - t0;
    console.log(
      `type check ${label}: ${Math.round(n / (ms / 1000)).toLocaleString('en-US')} values/s (${ok === n ? 'all valid' : 'MISMATCH'})`,
    );
  }
}
