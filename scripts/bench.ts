#!/usr/bin/env node
/**
 * `npm run bench`: one markdown table, in one run, of each pipeline as a user runs it beside the
 * database's own client (issue 12, item 5). Every row is one whole process under GNU time — for
 * moh-etl: Node start-up, config, planning, the reconciliation COUNT, hashing, the manifest and the
 * run record included — with rows/s, the ratio to the client, CPU seconds (user + system) and peak
 * RSS (MiB).
 *
 *   npm run build && npm run bench -- [--repeat 3] [--sizes 1000000,4000000] [--excel-rows 500000]
 *     [--mariadb-sizes 1000000] [--no-cjk] [--no-pipeline] [--pipeline-attendances 10000000]
 *     [--quick] [--help]
 *
 * Rows:
 * - PostgreSQL → CSV and Parquet at --sizes, → Excel at --excel-rows, beside
 *   `psql -c "\copy (SELECT * FROM t) to 'file' csv"` and the same SELECT `ORDER BY attendance_id`
 *   (moh-etl reads in keyset order by design: "of client ORDER BY pk" compares like with like,
 *   "of client SELECT *" with what a user would type);
 * - MariaDB → CSV and Parquet at --mariadb-sizes, beside `mariadb --batch --quick -e "SELECT …" > file`
 *   (plain and ordered as well);
 * - `moh-etl run` of the demo's national day into padded processed datasets, set up as
 *   scripts/bench_pipeline.ts does (scripts/lib/bench-whole-national.ts).
 *
 * Tables (untimed set-up; scripts/lib/bench-whole-tables.ts): the demo database is generated once
 * (--days at --scale, the national day's timeline); `bench_attendances_<N>` are its attendances
 * copied with shifted ids. The CJK variant `bench_attendances_<N>_cjk` is the same table plus a
 * `note text` column holding a short clinical note in Chinese, Japanese or Korean in every third row
 * (NULL in the others). MariaDB's tables are PostgreSQL's, streamed across.
 *
 * Method: each figure is the median of --repeat runs (the wall time also shows the range). Within a
 * table, each repeat runs the client and moh-etl back to back, rotating which goes first, so machine
 * noise hits both; the national day is repeated on a restored copy of its project. Output goes to
 * real files in a temp directory, removed after each run; row counts are checked (psql's COPY count,
 * the mariadb output's lines, moh-etl's run record). The 1-minute load average is printed at start
 * and end: on a shared machine, compare runs made under similar load.
 *
 * Servers and temp directories are removed on success, failure and Ctrl-C.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { createDemoDatabase } from '../src/synth/index.js';
import { cleanupSync, tempDirs } from './lib/bench-extract-parts.js';
import { chooseTimeline } from './lib/bench-pipeline-project.js';
import { prepareNationalDay } from './lib/bench-whole-national.js';
import { parseOptions, type WholeOptions } from './lib/bench-whole-options.js';
import { planTables, postgresSizes, rotated, toolsFor, type PlannedTable } from './lib/bench-whole-plan.js';
import { writeWholeProject } from './lib/bench-whole-project.js';
import { reportTable, rssBySize, short, type Group, type PipelineRow } from './lib/bench-whole-report.js';
import { buildAsciiTable, buildCjkTable, copyToMariadb } from './lib/bench-whole-tables.js';
import { canMeasureResources, killRunningSync } from './lib/bench-whole-timed.js';
import type { Engine, Sample, ToolContext } from './lib/bench-whole-tools.js';
import { ServerUnavailable, startMariadb, startPostgres, type RunningServer } from './lib/servers.js';

const log = (line: string): void => void process.stderr.write(`[bench] ${line}\n`);
const since = (t0: number): string => `${((performance.now() - t0) / 1000).toFixed(1)} s`;
const load1 = (): string => (os.loadavg()[0] ?? 0).toFixed(2);

async function startServers(opts: WholeOptions): Promise<Partial<Record<Engine, RunningServer>>> {
  const servers: Partial<Record<Engine, RunningServer>> = { postgres: await startPostgres() };
  if (opts.mariadbSizes.length === 0) return servers;
  try {
    servers.mariadb = await startMariadb();
  } catch (e) {
    if (!(e instanceof ServerUnavailable)) throw e;
    log(`MariaDB skipped: ${e.message}`);
  }
  return servers;
}

/** The tables of the plan, built in the servers (untimed). */
async function buildTables(
  plan: readonly PlannedTable[],
  client: pg.Client,
  maria: RunningServer | undefined,
): Promise<void> {
  const sizes = postgresSizes(plan);
  for (const rows of sizes.ascii) {
    const t = performance.now();
    await buildAsciiTable(client, rows);
    if (sizes.cjk.includes(rows)) await buildCjkTable(client, rows);
    log(`PostgreSQL tables of ${short(rows)} rows built in ${since(t)}`);
  }
  if (!maria) return;
  const conn = await mysql.createConnection({
    host: maria.host,
    port: maria.port,
    user: maria.user,
    password: maria.password,
    database: maria.database,
  });
  try {
    for (const p of plan.filter((x) => x.table.engine === 'mariadb')) {
      const t = performance.now();
      await copyToMariadb(client, conn, p.table.rows);
      log(`MariaDB table of ${short(p.table.rows)} rows loaded in ${since(t)}`);
    }
  } finally {
    await conn.end();
  }
}

/** Every table's tools, `repeat` times, interleaved; wrong row counts are collected in `problems`. */
async function measureTables(
  plan: readonly PlannedTable[],
  ctx: ToolContext,
  repeat: number,
  problems: string[],
): Promise<Group[]> {
  const groups: Group[] = [];
  for (const p of plan) {
    const tools = toolsFor(ctx, p);
    const samples = new Map(tools.map((t) => [t, [] as Sample[]]));
    for (let r = 0; r < repeat; r++)
      for (const tool of rotated(tools, r)) {
        const s = await tool.run(p.table);
        if (s.rows !== p.table.rows)
          problems.push(`${tool.label} on ${p.table.table}: ${s.rows} rows, expected ${p.table.rows}`);
        samples.get(tool)!.push(s);
        log(
          `${p.table.table} ${tool.label} [${r + 1}/${repeat}]: ${s.wallSeconds.toFixed(2)} s (load ${load1()})`,
        );
      }
    groups.push({
      table: p.table,
      results: tools.map((t) => ({ label: t.label, role: t.role, samples: samples.get(t)! })),
    });
  }
  return groups;
}

function versions(servers: Partial<Record<Engine, RunningServer>>): string {
  const client = (cmd: string): string => {
    try {
      return execFileSync(cmd, ['--version'], { encoding: 'utf8' }).trim();
    } catch {
      return `${cmd}: not found`;
    }
  };
  const pgVersion = servers.postgres?.version.split(' ').slice(0, 2).join(' ') ?? '';
  const maria = servers.mariadb ? `, MariaDB ${servers.mariadb.version}` : '';
  return `${pgVersion} (throwaway: fsync off, shared_buffers 32MB)${maria}; clients: ${client('psql')}; ${client('mariadb')}`;
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  if (!opts) return;
  const started = performance.now();
  const loadAtStart = load1();
  const timeline = chooseTimeline(opts.seed, opts.scale, opts.days);
  log(`load average ${loadAtStart}; demo ${timeline.startDate} + ${opts.days} days at scale ${opts.scale}`);
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'moh-etl-bench-'));
  tempDirs.add(scratch);
  let servers: Partial<Record<Engine, RunningServer>> = {};
  let client: pg.Client | undefined;
  try {
    servers = await startServers(opts);
    const postgres = servers.postgres!;
    client = new pg.Client({ connectionString: postgres.url });
    await client.connect();
    let t = performance.now();
    const demo = await createDemoDatabase(
      { dialect: 'postgres', client },
      { seed: opts.seed, scale: opts.scale, startDate: timeline.startDate, days: opts.days },
    );
    await client.query('VACUUM (ANALYZE) attendances');
    log(`demo database: ${demo.counts.attendances} attendances in ${since(t)}`);
    const plan = planTables(opts, new Set(Object.keys(servers) as Engine[]));
    t = performance.now();
    await buildTables(plan, client, servers.mariadb);
    const ctx: ToolContext = { servers, scratch, project: path.join(scratch, 'extract'), env: {} };
    ctx.env = await writeWholeProject(
      ctx.project,
      servers,
      plan.map((p) => p.table),
      opts.ranges,
    );

    const problems: string[] = [];
    const groups = await measureTables(plan, ctx, opts.repeat, problems);
    let pipeline: PipelineRow | undefined;
    if (opts.pipeline) {
      const day = await prepareNationalDay(path.join(scratch, 'pipeline'), postgres, client, {
        attendances: opts.pipelineAttendances,
        days: opts.days,
        log,
      });
      const samples: Sample[] = [];
      for (let r = 0; r < opts.repeat; r++) {
        samples.push(await day.measure());
        log(
          `national day [${r + 1}/${opts.repeat}]: ${samples.at(-1)!.wallSeconds.toFixed(2)} s (load ${load1()})`,
        );
      }
      pipeline = {
        label: `national day ${day.day} (8 sources, ${day.attendances.toLocaleString('en-US')} new attendances) into ${short(opts.pipelineAttendances)}-attendance datasets`,
        samples,
      };
    }
    print(opts, servers, groups, pipeline, { loadAtStart, started, problems });
  } finally {
    await client?.end().catch(() => undefined);
    killRunningSync();
    for (const s of Object.values(servers)) await s.stop();
    await rm(scratch, { recursive: true, force: true, maxRetries: 3 });
    tempDirs.delete(scratch);
  }
}

function print(
  opts: WholeOptions,
  servers: Partial<Record<Engine, RunningServer>>,
  groups: Group[],
  pipeline: PipelineRow | undefined,
  run: { loadAtStart: string; started: number; problems: string[] },
): void {
  const p = (s = ''): void => console.log(s);
  p(`## moh-etl beside the databases' own clients (npm run bench${opts.quick ? ' -- --quick' : ''})`);
  p();
  p(versions(servers));
  p(
    `Node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), ` +
      `${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM; 1-minute load average ${run.loadAtStart} at start`,
  );
  p(
    `Medians of ${opts.repeat} run${opts.repeat > 1 ? 's' : ''}, each a whole process under GNU time; ` +
      `per table the client and moh-etl interleaved.${canMeasureResources() ? '' : ' No /usr/bin/time: no CPU or RSS.'}`,
  );
  p();
  for (const line of reportTable(groups, pipeline)) p(line);
  p();
  p(
    '"of client SELECT *": moh-etl\'s rows/s as a share of the client exporting `SELECT * FROM t` ' +
      '(heap order, no sort). "of client ORDER BY pk": share of the same SELECT `ORDER BY attendance_id`, ' +
      'the keyset order moh-etl reads in by design. CJK: a `note` column with Chinese, Japanese or ' +
      'Korean text in a third of the rows.',
  );
  const flat = rssBySize(groups);
  if (flat.length) {
    p();
    p('Peak RSS by table size (moh-etl):');
    for (const line of flat) p(line);
  }
  if (run.problems.length) {
    p();
    p('ROW COUNT MISMATCHES:');
    for (const x of run.problems) p(`- ${x}`);
    process.exitCode = 1;
  }
  p();
  p(
    `Total ${((performance.now() - run.started) / 1000).toFixed(0)} s; 1-minute load average ` +
      `${run.loadAtStart} at start, ${load1()} at end (${os.cpus().length} CPUs: above that, ` +
      `something else was using them).`,
  );
}

// servers.ts stops the servers on exit and on signals; we add the measured processes and temp dirs.
process.on('exit', () => {
  killRunningSync();
  cleanupSync();
});
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
  process.once(signal, () => process.exit(128 + os.constants.signals[signal]));

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  process.exitCode = 1;
});
