/**
 * The pipeline row of scripts/bench.ts: `moh-etl run` (extract → validate → transform → load) of the
 * demo's national day, set up exactly as scripts/bench_pipeline.ts does, with its helpers
 * (bench-pipeline-project.ts, bench-pipeline-pad.ts): the shipped config on the demo database, a
 * first run that loads the earlier days, the visit datasets padded to `attendances` rows, then one
 * more demo day (a full weekday) for the measured run to read, check, transform and merge.
 *
 * A day can be merged once, so the project directory (state, processed datasets, run history) is
 * copied after the set-up and put back before every repeat: each repeat merges the same day into
 * the same datasets. The database is only read by the runs, so it needs no restoring.
 */
import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import type pg from 'pg';
import { advanceDemo } from '../../src/synth/index.js';
import { tempDirs } from './bench-extract-parts.js';
import { padDatasets } from './bench-pipeline-pad.js';
import { runMeasured, writeBenchProject, type ProcessFigures } from './bench-pipeline-project.js';
import { latestRunRecord } from './bench-pipeline-report.js';
import type { RunningServer } from './servers.js';
import { killableWatcher, tail } from './bench-whole-timed.js';
import type { Sample } from './bench-whole-tools.js';

const run = promisify(execFile);

/** The visit tables, padded in proportion (as bench_pipeline.ts); the others keep their real size. */
const PADDED = ['attendances', 'diagnoses', 'procedures', 'medications', 'lab_results'];

export interface NationalDayOptions {
  /** Rows of the processed attendances dataset the day merges into. */
  attendances: number;
  /** Days already in the demo database (for the padding's date shift: whole weeks). */
  days: number;
  log: (line: string) => void;
}

/** A national day ready to be measured: `measure()` runs it once on a fresh copy of the set-up. */
export interface NationalDay {
  /** The measured day (YYYY-MM-DD) and its new attendances. */
  day: string;
  attendances: number;
  measure(): Promise<Sample>;
}

function expectSuccess(what: string, p: ProcessFigures): void {
  if (p.code !== 0) throw new Error(`${what} exited ${p.code}:\n${tail(p.stderr)}`);
}

/** Untimed: the first run, the padding, one more demo day and the snapshot of the project. */
export async function prepareNationalDay(
  root: string,
  server: RunningServer,
  client: pg.Client,
  opts: NationalDayOptions,
): Promise<NationalDay> {
  const { env, loaded } = await writeBenchProject(root, server);
  const first = await runMeasured(['run'], root, env, killableWatcher());
  expectSuccess('the first moh-etl run', first);
  opts.log(`pipeline: first run (loads the earlier days) in ${first.wallSeconds.toFixed(1)} s`);
  const loadedRows =
    latestRunRecord(root).sources.find((r) => r.source === 'attendances')?.phases?.load?.rows_out ?? 0;
  const copies = Math.max(0, Math.round(opts.attendances / Math.max(loadedRows, 1)) - 1);
  let t = performance.now();
  await padDatasets(loaded, PADDED, copies, 7 * Math.ceil(opts.days / 7), (l) => opts.log(`  ${l}`));
  opts.log(`pipeline: datasets padded (${copies} copies) in ${since(t)}`);
  const advanced = await advanceDemo({ dialect: 'postgres', client }, 1);
  await client.query('ANALYZE');
  const snapshot = `${root}.snapshot`;
  tempDirs.add(snapshot);
  t = performance.now();
  await run('cp', ['-a', root, snapshot]);
  opts.log(`pipeline: day ${advanced.lastDate} added, project copied in ${since(t)}`);

  let fresh = true; // the first repeat runs on the set-up itself
  return {
    day: advanced.lastDate,
    attendances: advanced.counts.attendances,
    async measure() {
      if (!fresh) {
        await rm(root, { recursive: true, force: true });
        await run('cp', ['-a', snapshot, root]);
      }
      fresh = false;
      const p = await runMeasured(['run'], root, env, killableWatcher());
      expectSuccess('the measured moh-etl run', p);
      const record = latestRunRecord(root);
      if (record.status !== 'succeeded') throw new Error(`the measured run ended ${record.status}`);
      return {
        rows: record.sources.reduce((n, r) => n + r.rows, 0),
        wallSeconds: p.wallSeconds,
        ...(p.cpuSeconds === undefined ? {} : { cpuSeconds: p.cpuSeconds }),
        ...(p.peakRssBytes === undefined ? {} : { peakRssBytes: p.peakRssBytes }),
      };
    },
  };
}

const since = (t0: number): string => `${((performance.now() - t0) / 1000).toFixed(1)} s`;
