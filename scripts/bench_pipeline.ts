#!/usr/bin/env node
/**
 * Pipeline benchmark: a national day — about 25,000 attendances with their diagnoses, procedures,
 * prescriptions and lab results, new patients, updates, late lab rows and deletes (~150k rows over
 * 8 sources) — through all four phases (extract with the transform in its pass, validate, load with
 * the dataset checks) into processed datasets of 10M attendances (and the other visit tables in
 * proportion), timed as a user runs it: `moh-etl run --json` as a child process (its events tell
 * the benchmark which phase its memory samples belong to). Target: under 10 s end to end and under
 * 512 MB peak RSS.
 *
 *   npm run build && npm run bench:pipeline -- [--attendances 10000000] [--quick] [--scale 1]
 *     [--days 7] [--seed 42] [--keep]
 *
 * Setup (not timed): a throwaway PostgreSQL loaded with `--days` days of the synthetic demo at
 * `--scale` (1 = national volume), a project with the repository's shipped config pointed at it,
 * and a first `moh-etl run` that loads everything (watermarks set, real processed datasets). Then
 * the datasets of the visit tables are padded to `--attendances` rows with shifted copies of their
 * real rows through the DatasetStore's own replace (scripts/lib/bench-pipeline-pad.ts): faster than
 * generating 10M attendances in the database and extracting them, and the same files, partitions
 * and metadata a load writes. Then the demo advances one day (a full weekday) and the measured run
 * reads, checks, transforms and merges it.
 *
 * Printed: per source and phase, durations (the transform runs inside the extraction pass, the
 * dataset checks inside the load: both shown in brackets), peak RSS sampled per phase, rows, load
 * counts; then the process's wall time, CPU and peak RSS (GNU time). `--quick`: a smoke size
 * (scale 0.05, 200k attendances). `--no-dataset-checks`: the same run without the dataset-scope
 * checks, to see their share. The machine's load average is printed first: on a shared machine,
 * compare runs made under similar load.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { advanceDemo, createDemoDatabase } from '../src/synth/index.js';
import { padDatasets } from './lib/bench-pipeline-pad.js';
import {
  chooseTimeline,
  dropDatasetChecks,
  runMeasured,
  writeBenchProject,
  type ProcessFigures,
} from './lib/bench-pipeline-project.js';
import { latestRunRecord, report } from './lib/bench-pipeline-report.js';
import { RssByPhase } from './lib/bench-pipeline-rss.js';
import { startPostgres } from './lib/servers.js';

/** The visit tables, padded in proportion; patients and the reference tables keep their real size. */
const PADDED = ['attendances', 'diagnoses', 'procedures', 'medications', 'lab_results'];
const TARGETS = { seconds: 10, rssMb: 512 };

const USAGE = `usage: npm run bench:pipeline -- [options]   (npm run build first)

  --attendances N   rows of the processed attendances dataset (default 10000000)
  --scale X         demo volume, 1 = national (~25k weekday attendances) (default 1)
  --days N          days in the demo database before the measured day (default 7)
  --seed N          synthetic data seed (default 42)
  --quick           smoke size: --scale 0.05 --attendances 200000
  --no-dataset-checks  measure the run without the dataset-scope checks (what they cost)
  --keep            keep the project directory (the server is always stopped)
  -h, --help        this text`;

const log = (line: string): void => void process.stderr.write(`[bench] ${line}\n`);
const fmt = (x: number): string => x.toLocaleString('en-US');

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      attendances: { type: 'string' },
      scale: { type: 'string' },
      days: { type: 'string', default: '7' },
      seed: { type: 'string', default: '42' },
      quick: { type: 'boolean', default: false },
      'no-dataset-checks': { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return console.log(USAGE);
  const target = Number(values.attendances ?? (values.quick ? 200_000 : 10_000_000));
  const scale = Number(values.scale ?? (values.quick ? 0.05 : 1));
  const days = Number(values.days);
  const seed = Number(values.seed);
  for (const [name, v] of Object.entries({ attendances: target, scale, days, seed }))
    if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name}: expected a positive number`);

  const timeline = chooseTimeline(seed, scale, days);
  log(
    `${os.cpus().length} cores, load ${os.loadavg()[0]!.toFixed(1)}; demo ${timeline.startDate} + ${days} days at scale ${scale}; national day ${timeline.nationalDay} (${fmt(timeline.attendances)} attendances)`,
  );
  const server = await startPostgres();
  const root = mkdtempSync(path.join(os.tmpdir(), 'moh-etl-bench-pipeline-'));
  const client = new pg.Client({ connectionString: server.url });
  const stop = async () => {
    await client.end().catch(() => undefined);
    await server.stop();
    if (values.keep) log(`kept ${root}`);
    else rmSync(root, { recursive: true, force: true });
  };
  process.once('SIGINT', () => void stop().finally(() => process.exit(130)));
  try {
    await client.connect();
    let t = performance.now();
    const created = await createDemoDatabase(
      { dialect: 'postgres', client },
      { seed, scale, startDate: timeline.startDate, days },
    );
    log(`demo database: ${fmt(sum(created.counts))} rows in ${since(t)}`);
    const { env, loaded } = await writeBenchProject(root, server);

    const first = await runMeasured(['run'], root, env);
    log(`first run (loads everything): exit ${first.code} in ${first.wallSeconds.toFixed(1)} s`);
    expectSuccess('the first run', first);

    const attendances = latestRunRecord(root).sources.find((r) => r.source === 'attendances');
    const real = attendances?.phases?.load?.rows_out ?? 0;
    const copies = Math.max(0, Math.round(target / Math.max(real, 1)) - 1);
    t = performance.now();
    log(`padding ${PADDED.join(', ')} with ${copies} shifted copies each`);
    await padDatasets(loaded, PADDED, copies, 7 * Math.ceil(days / 7), (l) => log(`  ${l}`));
    log(`padded in ${since(t)}`);

    t = performance.now();
    const day = await advanceDemo({ dialect: 'postgres', client }, 1);
    await client.query('ANALYZE');
    log(
      `advanced to ${day.lastDate}: ${fmt(sum(day.counts))} new rows (${fmt(day.counts.attendances)} attendances), ${fmt(sum(day.updated))} updated, ${fmt(sum(day.late))} late, ${fmt(sum(day.deleted))} deleted, in ${since(t)}`,
    );

    if (values['no-dataset-checks']) await dropDatasetChecks(root, server);
    log(`measured run: moh-etl run --json${values['no-dataset-checks'] ? ' (no dataset-scope checks)' : ''}`);
    const rss = new RssByPhase();
    const measured = await runMeasured(['run', '--json'], root, env, rss);
    const record = latestRunRecord(root);
    const reportDir = path.resolve(root, loaded.config.validation.report_dir);
    console.log(
      `\n## moh-etl run: one national day (${timeline.nationalDay}, scale ${scale}) into ${fmt(target)}-attendance datasets${values['no-dataset-checks'] ? ', without dataset-scope checks' : ''}\n`,
    );
    console.log(report(record, reportDir, measured, TARGETS, rss));
    if (measured.code !== 0) console.log(`\nstderr of the measured run:\n${measured.stderr.trim()}`);
  } finally {
    await stop();
  }
}

function expectSuccess(what: string, run: ProcessFigures): void {
  if (run.code === 0) return;
  throw new Error(`${what} exited ${run.code}:\n${run.stdout.slice(-2000)}\n${run.stderr.slice(-2000)}`);
}

const sum = (counts: Record<string, number>): number => Object.values(counts).reduce((a, b) => a + b, 0);
const since = (t0: number): string => `${((performance.now() - t0) / 1000).toFixed(1)} s`;

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  process.exitCode = 1;
});
