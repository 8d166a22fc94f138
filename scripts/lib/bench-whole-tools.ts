/**
 * What scripts/bench.ts measures on a table: the database's own client exporting it (plain
 * `SELECT *`, and the same SELECT `ORDER BY` the primary key) and `moh-etl extract` writing it to one
 * format. Each tool is one whole process under GNU time (bench-whole-timed.ts), its output on disk,
 * its row count checked, its output removed afterwards. The clients differ per engine behind the
 * CLIENTS record; the benchmark never asks which engine a table is on.
 */
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { OutputFormat } from '../../src/config/schema.js';
import { TABLES } from '../../src/synth/index.js';
import { cliPath } from './bench-pipeline-project.js';
import { latestRunRecord } from './bench-pipeline-report.js';
import type { RunningServer } from './servers.js';
import { tail, timed, type Timed } from './bench-whole-timed.js';

export type Engine = 'postgres' | 'mariadb';

/** A table the tools read, and the moh-etl source configured on it. */
export interface BenchTable {
  engine: Engine;
  table: string;
  source: string;
  rows: number;
  /** ASCII: the attendances columns as generated; CJK: plus `note`, CJK text in a third of the rows. */
  text: 'ASCII' | 'CJK';
}

/** One measured process. */
export interface Sample {
  rows: number;
  wallSeconds: number;
  cpuSeconds?: number;
  peakRssBytes?: number;
}

/** What a tool is to the report: a reference (the client, plain or ordered) or moh-etl. */
export type Role = 'client' | 'client-ordered' | 'moh-etl';

export interface Tool {
  /** The report's label, e.g. `psql \copy SELECT *` or `moh-etl → parquet`. */
  label: string;
  role: Role;
  run(table: BenchTable): Promise<Sample>;
}

/** Where the tools run: the servers, a scratch directory for client output, the moh-etl project. */
export interface ToolContext {
  servers: Partial<Record<Engine, RunningServer>>;
  scratch: string;
  project: string;
  /** The project's environment (the passwords its config reads as ${…}). */
  env: NodeJS.ProcessEnv;
}

/** The primary key the ordered reference sorts by (moh-etl reads in this keyset order by design). */
const KEY = TABLES.attendances.primaryKey.join(', ');
const select = (t: BenchTable, ordered: boolean): string =>
  `SELECT * FROM ${t.table}${ordered ? ` ORDER BY ${KEY}` : ''}`;

function server(ctx: ToolContext, engine: Engine): RunningServer {
  const s = ctx.servers[engine];
  if (!s) throw new Error(`no ${engine} server is running`);
  return s;
}

function expectExit(what: string, run: Timed): void {
  if (run.code !== 0) throw new Error(`${what} exited ${run.code}:\n${tail(run.stderr)}`);
}

const sample = (rows: number, run: Timed): Sample => ({
  rows,
  wallSeconds: run.wallSeconds,
  ...(run.cpuSeconds === undefined ? {} : { cpuSeconds: run.cpuSeconds }),
  ...(run.peakRssBytes === undefined ? {} : { peakRssBytes: run.peakRssBytes }),
});

/** `psql -c "\copy (SELECT …) to 'file' csv"`. */
function psql(ctx: ToolContext, ordered: boolean): Tool {
  return {
    label: `psql \\copy SELECT *${ordered ? ' ORDER BY pk' : ''} → csv`,
    role: ordered ? 'client-ordered' : 'client',
    async run(t) {
      const s = server(ctx, 'postgres');
      const file = path.join(ctx.scratch, `${t.table}.psql.csv`);
      const run = await timed(
        'psql',
        [
          ...[
            '-X',
            '-v',
            'ON_ERROR_STOP=1',
            '-h',
            s.host,
            '-p',
            String(s.port),
            '-U',
            s.user,
            '-d',
            s.database,
          ],
          ...['-c', `\\copy (${select(t, ordered)}) to '${file}' csv`],
        ],
        { env: { PGPASSWORD: s.password, PGCONNECT_TIMEOUT: '10' } },
      );
      await rm(file, { force: true });
      expectExit('psql', run);
      const copied = /COPY (\d+)/.exec(run.stdout);
      if (!copied) throw new Error('psql printed no COPY count');
      return sample(Number(copied[1]), run);
    },
  };
}

/** `mariadb --batch --quick -e "SELECT …" > file` (tab-separated, one header line). */
function mariadb(ctx: ToolContext, ordered: boolean): Tool {
  return {
    label: `mariadb --batch --quick SELECT *${ordered ? ' ORDER BY pk' : ''} > file`,
    role: ordered ? 'client-ordered' : 'client',
    async run(t) {
      const s = server(ctx, 'mariadb');
      const file = path.join(ctx.scratch, `${t.table}.mariadb.tsv`);
      const run = await timed(
        'mariadb',
        [
          ...['--batch', '--quick', '-h', s.host, '-P', String(s.port), '-u', s.user, s.database],
          ...['-e', select(t, ordered)],
        ],
        // MYSQL_PWD keeps the password off the command line (ps shows arguments).
        { env: { MYSQL_PWD: s.password }, stdoutFile: file },
      );
      const lines = run.code === 0 ? await countLines(file) : 0;
      await rm(file, { force: true });
      expectExit('mariadb', run);
      // --batch escapes newlines inside values, so lines are rows (plus the header).
      return sample(lines - 1, run);
    },
  };
}

/** The engine's own client, plain or ordered. */
export const CLIENTS: Record<Engine, (ctx: ToolContext, ordered: boolean) => Tool> = {
  postgres: psql,
  mariadb,
};

/**
 * `moh-etl extract --sources <source> --mode full --format <format>` in the project directory: the
 * whole process (start-up, config, planning, the reconciliation COUNT, hashing, the manifest, the
 * run record). Rows come from the run record; the output is removed after each run. With `ranges`
 * > 1, the table's split source (bench-whole-project.ts) reads it in that many key ranges.
 */
export function mohEtl(ctx: ToolContext, format: OutputFormat, ranges = 1): Tool {
  let lastRunId: string | undefined;
  return {
    label: `moh-etl extract → ${format}${ranges > 1 ? `, ${ranges} key ranges` : ''}`,
    role: 'moh-etl',
    async run(table) {
      const t = { ...table, source: splitSource(table.source, ranges) };
      const run = await timed(
        process.execPath,
        [cliPath(), 'extract', '--sources', t.source, '--mode', 'full', '--format', format],
        { cwd: ctx.project, env: ctx.env },
      );
      await rm(path.join(ctx.project, 'data/raw'), { recursive: true, force: true });
      expectExit(`moh-etl extract ${t.source} → ${format}`, run);
      const record = latestRunRecord(ctx.project);
      const result = record.sources.find((r) => r.source === t.source);
      if (record.run_id === lastRunId || !result || result.status !== 'succeeded')
        throw new Error(`moh-etl extract ${t.source} → ${format}: no successful run record`);
      lastRunId = record.run_id;
      return sample(result.rows, run);
    },
  };
}

/** The source reading a table in `ranges` key ranges (the table's own source when 1). */
export function splitSource(source: string, ranges: number): string {
  return ranges > 1 ? `${source}_r${ranges}` : source;
}

/** Newlines in a file, counted in chunks (files of several hundred MB). */
export async function countLines(file: string): Promise<number> {
  let n = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>)
    for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) n++;
  return n;
}
