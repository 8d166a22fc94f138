#!/usr/bin/env node
/**
 * MariaDB benchmark: the whole `moh-etl extract --mode full` process against the `mariadb --batch
 * --quick` client on the same table, in the same run (issue 12). A throwaway MariaDB gets a few
 * days of the synthetic demo, then one table per text variant holding N attendances plus a
 * `remarks` column, ASCII or CJK of the same byte length (scripts/lib/bench-mysql-data.ts).
 *
 * Each repeat runs, per variant: the client (`mariadb --batch --quick -e "SELECT …" > file`), then
 * the built CLI once per format (`node dist/src/cli/bin.js extract --sources bench_<variant> --mode
 * full --format <f>` in a temp project), every process whole under GNU time (start-up, module
 * loading and the final fsync included). The machine is shared and noisy, so the table shows medians
 * over the repeats and the ratio to the client as the median of each repeat's own ratio (the client
 * and the CLI of one repeat ran under about the same load).
 *
 *   npm run build && node dist/scripts/bench_mysql.js [--attendances 1000000] [--repeats 3]
 *     [--formats csv,parquet] [--variants ascii,cjk] [--days 3] [--seed 42] [--batch-size 5000]
 *     [--builds before=/tmp/old/dist/src/cli/bin.js,after=dist/src/cli/bin.js]
 *     [--node-args "--cpu-prof --cpu-prof-dir=/tmp/prof"]
 *
 * --builds compares CLIs built from different trees in the same run (each repeat runs every build
 * after the same client run), e.g. the tree before and after a change: `tsc -p tsconfig.build.json
 * --outDir /tmp/old/dist` in a copy of the old tree, with node_modules linked beside it.
 *
 * The server is stopped and the temp directory removed on success, failure and Ctrl-C.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { buildBenchTable, connect, loadDemo, VARIANTS, type Variant } from './lib/bench-mysql-data.js';
import {
  cliPath,
  killChildren,
  runCli,
  runClient,
  writeProject,
  type Figures,
} from './lib/bench-mysql-run.js';
import { startMariadb, type RunningServer } from './lib/servers.js';

const FORMATS = ['csv', 'parquet'] as const;
type Format = (typeof FORMATS)[number];

const USAGE = `node dist/scripts/bench_mysql.js [options]   (after npm run build)

  --attendances N     rows per variant table (default 1000000)
  --repeats R         runs of each process; medians are reported (default 3)
  --formats A,B       csv, parquet (default both)
  --variants A,B      ascii, cjk (default both)
  --days D            demo days loaded before the tables are built by copying (default 3)
  --seed S            generator seed (default 42)
  --batch-size N      extraction.batch_size of the project (default 5000)
  --builds L=P,…      CLIs to compare, label=path of bin.js (default: this repository's dist)
  --node-args "…"     extra node options for the CLI runs (e.g. --cpu-prof --cpu-prof-dir=DIR)`;

const log = (s: string): void => void process.stderr.write(`[bench] ${s}\n`);
const fmt = (n: number, digits = 0): string =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

function list<T extends string>(text: string, allowed: readonly T[], name: string): T[] {
  const items = text.split(',').filter(Boolean);
  for (const i of items) if (!allowed.includes(i as T)) throw new Error(`${name}: unknown ${i}`);
  return items as T[];
}

function positive(text: string, name: string): number {
  const n = Number(text.replace(/[_,]/g, ''));
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got ${text}`);
  return n;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

interface Cell {
  label: string;
  runs: Figures[];
  /** Per repeat: client wall / this wall (1 for the client itself). */
  ratios: number[];
}

function report(cells: Cell[], rows: number): string[] {
  const header = ['run', 'wall s (median)', 'runs', 'rows/s', 'vs client', 'CPU s', 'peak RSS MiB'];
  const lines = cells.map((c) => {
    const wall = median(c.runs.map((r) => r.wallSeconds));
    return [
      c.label,
      wall.toFixed(2),
      c.runs.map((r) => r.wallSeconds.toFixed(2)).join(' / '),
      fmt(rows / wall),
      `${(100 * median(c.ratios)).toFixed(0)}%`,
      median(c.runs.map((r) => r.cpuSeconds)).toFixed(2),
      fmt(median(c.runs.map((r) => r.peakRssBytes)) / 2 ** 20),
    ];
  });
  const row = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  return [row(header), row(header.map(() => '---')), ...lines.map(row)];
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      attendances: { type: 'string', default: '1000000' },
      repeats: { type: 'string', default: '3' },
      formats: { type: 'string', default: FORMATS.join(',') },
      variants: { type: 'string', default: VARIANTS.join(',') },
      days: { type: 'string', default: '3' },
      seed: { type: 'string', default: '42' },
      'batch-size': { type: 'string', default: '5000' },
      'node-args': { type: 'string', default: '' },
      builds: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return console.log(USAGE);
  const target = positive(values.attendances, '--attendances');
  const repeats = positive(values.repeats, '--repeats');
  const formats = list<Format>(values.formats, FORMATS, '--formats');
  const variants = list<Variant>(values.variants, VARIANTS, '--variants');
  const nodeArgs = values['node-args'].split(/\s+/).filter(Boolean);
  const builds = (values.builds ?? '')
    .split(',')
    .filter(Boolean)
    .map((b) => {
      const at = b.indexOf('=');
      if (at <= 0) throw new Error(`--builds: expected label=path, got ${b}`);
      return { label: `${b.slice(0, at)} `, cli: path.resolve(b.slice(at + 1)) };
    });
  if (builds.length === 0) builds.push({ label: '', cli: cliPath() });

  const root = await mkdtemp(path.join(os.tmpdir(), 'moh-etl-bench-mysql-'));
  let server: RunningServer | undefined;
  const cleanup = async (): Promise<void> => {
    killChildren();
    await server?.stop();
    await rm(root, { recursive: true, force: true });
  };
  process.once('SIGINT', () => void cleanup().finally(() => process.exit(130)));
  try {
    const load0 = os.loadavg()[0]!;
    server = await startMariadb();
    log(`MariaDB ${server.version} on port ${server.port}`);
    const conn = await connect(server);
    try {
      await loadDemo(conn, positive(values.days, '--days'), positive(values.seed, '--seed'), log);
      for (const v of variants) {
        log(`building bench_${v} (${fmt(target)} rows)`);
        const n = await buildBenchTable(conn, v, target);
        if (n !== target) throw new Error(`bench_${v} has ${n} rows, expected ${target}`);
      }
    } finally {
      await conn.end();
    }
    await writeProject(root, server, positive(values['batch-size'], '--batch-size'));

    const cells = new Map<string, Cell>();
    const cell = (label: string): Cell => {
      let c = cells.get(label);
      if (!c) cells.set(label, (c = { label, runs: [], ratios: [] }));
      return c;
    };
    const problems: string[] = [];
    for (let r = 1; r <= repeats; r++) {
      for (const v of variants) {
        const client = await runClient(server, v, root);
        log(`repeat ${r}, ${v}: client ${client.wallSeconds.toFixed(2)} s`);
        if (client.rows !== target) problems.push(`client ${v}: ${client.rows} rows`);
        cell(`mariadb client, ${v}`).runs.push(client);
        cell(`mariadb client, ${v}`).ratios.push(1);
        for (const f of formats)
          for (const { label, cli } of builds) {
            const m = await runCli(server, root, v, f, { cli, execArgv: nodeArgs });
            const name = `moh-etl ${label}${f}, ${v}`;
            log(`repeat ${r}: ${name} ${m.wallSeconds.toFixed(2)} s, ${fmt(m.peakRssBytes / 2 ** 20)} MiB`);
            if (m.rows !== target) problems.push(`${name}: ${m.rows} rows`);
            const c = cell(name);
            c.runs.push(m);
            c.ratios.push(client.wallSeconds / m.wallSeconds);
          }
      }
    }
    const load1 = os.loadavg()[0]!;
    console.log(
      `\nMariaDB ${server.version}; ${fmt(target)} rows per table; ${repeats} repeats; ` +
        `load average ${load0.toFixed(1)} at start, ${load1.toFixed(1)} at end; ${os.cpus().length} CPUs\n`,
    );
    for (const line of report([...cells.values()], target)) console.log(line);
    console.log(
      '\n"vs client": median over the repeats of (client wall / this wall) — above 100% is faster than the client.',
    );
    if (problems.length) {
      console.log(`\nWRONG ROW COUNTS: ${problems.join('; ')}`);
      process.exitCode = 1;
    }
  } finally {
    await cleanup();
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  process.exitCode = 1;
});
