#!/usr/bin/env node
/**
 * Key-range splits, whole process: `moh-etl extract --mode full --format csv|parquet` with
 * `extraction.split.ranges` 1, 2 and 4, beside the database's own client on the same table, on
 * PostgreSQL and MariaDB. One markdown table: medians of --repeat runs, rows/s, share of the
 * client, speed-up over ranges 1, CPU seconds and peak RSS (GNU time).
 *
 *   npm run build && node dist/scripts/bench_split.js [--rows 1000000] [--repeat 3]
 *     [--ranges 1,2,4] [--formats csv,parquet] [--engines postgres,mariadb] [--scale 0.1] [--days 3]
 *
 * Tables: the demo's attendances copied to --rows rows with shifted ids (scripts/lib/
 * bench-whole-tables.ts, as `npm run bench`), MariaDB's streamed from PostgreSQL's. The project is
 * `npm run bench`'s (the shipped config, one source per table) with `extraction.split.ranges` read
 * from the environment, so one project serves every ranges figure; each moh-etl run's manifest is
 * checked to hold the ranges asked for. Within a repeat the client and every moh-etl variant run
 * back to back, rotated, so load from other work on the machine hits them alike: quote ratios.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { parse, stringify } from 'yaml';
import type { OutputFormat } from '../src/config/schema.js';
import { createDemoDatabase } from '../src/synth/index.js';
import { MANIFEST_NAME, type Manifest } from '../src/write/layout.js';
import { cleanupSync, sizedTable, tempDirs } from './lib/bench-extract-parts.js';
import { cliPath } from './lib/bench-pipeline-project.js';
import { latestRunRecord } from './lib/bench-pipeline-report.js';
import { writeWholeProject } from './lib/bench-whole-project.js';
import { buildAsciiTable, copyToMariadb } from './lib/bench-whole-tables.js';
import { killRunningSync, tail, timed } from './lib/bench-whole-timed.js';
import {
  CLIENTS,
  type BenchTable,
  type Engine,
  type Sample,
  type ToolContext,
} from './lib/bench-whole-tools.js';
import { startMariadb, startPostgres, type RunningServer } from './lib/servers.js';

const RANGES_VAR = 'MOH_BENCH_SPLIT_RANGES';
const log = (line: string): void => void process.stderr.write(`[bench split] ${line}\n`);
const list = (s: string): string[] =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Variant {
  label: string;
  run(t: BenchTable): Promise<Sample>;
}

/** `moh-etl extract` with `ranges` key ranges; the manifest must show them (1: no split). */
function mohEtl(ctx: ToolContext, format: OutputFormat, ranges: number): Variant {
  return {
    label: `moh-etl → ${format}, ranges ${ranges}`,
    async run(t) {
      const args = [cliPath(), 'extract', '--sources', t.source, '--mode', 'full', '--format', format];
      const run = await timed(process.execPath, args, {
        cwd: ctx.project,
        env: { ...ctx.env, [RANGES_VAR]: String(ranges) },
      });
      const raw = path.join(ctx.project, 'data/raw');
      const split = run.code === 0 ? manifestOf(path.join(raw, t.source)).split : undefined;
      await rm(raw, { recursive: true, force: true });
      if (run.code !== 0) throw new Error(`moh-etl exited ${run.code}:\n${tail(run.stderr)}`);
      const got = split ? split.bounds.length + 1 : 1;
      if (got !== ranges) throw new Error(`moh-etl read ${got} key ranges, not ${ranges}`);
      const result = latestRunRecord(ctx.project).sources.find((r) => r.source === t.source);
      return {
        rows: result?.rows ?? 0,
        wallSeconds: run.wallSeconds,
        ...(run.cpuSeconds === undefined ? {} : { cpuSeconds: run.cpuSeconds }),
        ...(run.peakRssBytes === undefined ? {} : { peakRssBytes: run.peakRssBytes }),
      };
    },
  };
}

/** The manifest of the one run under `<raw>/<source>/extract_date=…/<run>/`. */
function manifestOf(dir: string): Manifest {
  const day = readdirSync(dir)[0]!;
  const run = readdirSync(path.join(dir, day))[0]!;
  return JSON.parse(readFileSync(path.join(dir, day, run, MANIFEST_NAME), 'utf8')) as Manifest;
}

/** The project of `npm run bench`, with the split's ranges from the environment and no row floor. */
async function writeProject(ctx: ToolContext, tables: BenchTable[]): Promise<void> {
  ctx.env = await writeWholeProject(ctx.project, ctx.servers, tables);
  const file = path.join(ctx.project, 'config/database.yml');
  const doc = parse(await readFile(file, 'utf8')) as { extraction: Record<string, unknown> };
  doc.extraction.split = { ranges: `\${${RANGES_VAR}:-1}`, min_rows: 0 };
  await writeFile(file, stringify(doc));
}

function row(label: string, samples: Sample[], client: Sample[], single?: Sample[]): string {
  const wall = median(samples.map((s) => s.wallSeconds));
  const rows = samples[0]!.rows;
  const share = median(client.map((s) => s.wallSeconds)) / wall;
  const speedUp = single ? `${(median(single.map((s) => s.wallSeconds)) / wall).toFixed(2)}×` : '';
  const cpu = samples.every((s) => s.cpuSeconds !== undefined)
    ? median(samples.map((s) => s.cpuSeconds!)).toFixed(1)
    : '-';
  const rss = samples.every((s) => s.peakRssBytes !== undefined)
    ? String(Math.round(median(samples.map((s) => s.peakRssBytes!)) / 2 ** 20))
    : '-';
  const range = `${Math.min(...samples.map((s) => s.wallSeconds)).toFixed(2)}–${Math.max(...samples.map((s) => s.wallSeconds)).toFixed(2)}`;
  return `| ${label} | ${wall.toFixed(2)} s (${range}) | ${Math.round(rows / wall / 1000)}k | ${Math.round(share * 100)} % | ${speedUp} | ${cpu} | ${rss} |`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rows: { type: 'string', default: '1000000' },
      repeat: { type: 'string', default: '3' },
      ranges: { type: 'string', default: '1,2,4' },
      formats: { type: 'string', default: 'csv,parquet' },
      engines: { type: 'string', default: 'postgres,mariadb' },
      scale: { type: 'string', default: '0.1' },
      days: { type: 'string', default: '3' },
    },
  });
  const rows = Number(values.rows);
  const repeat = Number(values.repeat);
  const rangesList = list(values.ranges).map(Number);
  const formats = list(values.formats) as OutputFormat[];
  const engines = list(values.engines) as Engine[];
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'moh-etl-bench-split-'));
  tempDirs.add(scratch);
  const servers: Partial<Record<Engine, RunningServer>> = {};
  let client: pg.Client | undefined;
  try {
    servers.postgres = await startPostgres();
    if (engines.includes('mariadb')) servers.mariadb = await startMariadb();
    client = new pg.Client({ connectionString: servers.postgres.url });
    await client.connect();
    const startDate = new Date(Date.now() - (Number(values.days) + 3) * 86_400_000)
      .toISOString()
      .slice(0, 10);
    await createDemoDatabase(
      { dialect: 'postgres', client },
      { seed: 42, scale: Number(values.scale), startDate, days: Number(values.days) },
    );
    await buildAsciiTable(client, rows);
    const tables: BenchTable[] = [];
    for (const engine of engines) {
      if (engine === 'mariadb') {
        const m = servers.mariadb!;
        const conn = await mysql.createConnection({
          host: m.host,
          port: m.port,
          user: m.user,
          password: m.password,
          database: m.database,
        });
        await copyToMariadb(client, conn, rows).finally(() => conn.end());
      }
      tables.push({ engine, table: sizedTable(rows), source: `${engine}_${rows}`, rows, text: 'ASCII' });
    }
    const ctx: ToolContext = { servers, scratch, project: path.join(scratch, 'extract'), env: {} };
    await writeProject(ctx, tables);
    const load0 = os.loadavg()[0]!.toFixed(2);
    const lines: string[] = [];
    for (const t of tables) {
      const reference = CLIENTS[t.engine](ctx, false);
      const variants: Variant[] = [
        { label: reference.label, run: (x) => reference.run(x) },
        ...formats.flatMap((f) => rangesList.map((r) => mohEtl(ctx, f, r))),
      ];
      const samples = new Map<Variant, Sample[]>(variants.map((v) => [v, []]));
      for (let r = 0; r < repeat; r++)
        for (const v of [...variants.slice(r % variants.length), ...variants.slice(0, r % variants.length)]) {
          const s = await v.run(t);
          if (s.rows !== rows) throw new Error(`${v.label}: ${s.rows} rows, expected ${rows}`);
          samples.get(v)!.push(s);
          log(`${t.engine} ${v.label} [${r + 1}/${repeat}]: ${s.wallSeconds.toFixed(2)} s`);
        }
      const ref = samples.get(variants[0]!)!;
      lines.push(row(`${t.engine}: ${reference.label}`, ref, ref));
      for (const f of formats) {
        const single = samples.get(variants.find((v) => v.label === `moh-etl → ${f}, ranges 1`)!);
        for (const r of rangesList) {
          const v = variants.find((x) => x.label === `moh-etl → ${f}, ranges ${r}`)!;
          lines.push(row(`${t.engine}: ${v.label}`, samples.get(v)!, ref, single));
        }
      }
    }
    const header = [
      `${rows.toLocaleString('en-US')} attendances, whole process, medians of ${repeat}; ${os.cpus().length} cores; load average ${load0} → ${os.loadavg()[0]!.toFixed(2)}`,
      '',
      '| pipeline | wall (min–max) | rows/s | share of client | speed-up vs ranges 1 | CPU s | peak RSS MiB |',
      '|---|---|---|---|---|---|---|',
    ];
    process.stdout.write([...header, ...lines].join('\n') + '\n');
  } finally {
    await client?.end().catch(() => undefined);
    killRunningSync();
    await Promise.allSettled(Object.values(servers).map((s) => s.stop()));
    cleanupSync();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
