#!/usr/bin/env node
/**
 * Extraction benchmark: loads N synthetic attendances into a throwaway PostgreSQL and measures, in one
 * run, how fast the attendances table comes out:
 *
 *   1. psql `\copy (select * from attendances) to '/dev/null' csv`: the physical reference;
 *   2. extraction only: planSource + readBatches over the whole table (mode full), batches discarded,
 *      at each of --batch-sizes (default 5,000, 10,000 and 50,000); then psql COPY again, and the
 *      reference for "vs COPY" is both COPY runs together (the machine's load may change in between);
 *   3. end to end: runExtract, mode full, to CSV with the real writer;
 *   4. incremental: a first run sets the watermark (it reads the whole history), one day is appended
 *      with advanceDemo, and the second incremental run is timed;
 *   5. with --sizes: step 1 and 2 again at other table sizes, to show that peak RSS stays flat.
 *
 *   npm run build && npm run bench:extract -- [--attendances 2000000] [--sizes 1000000,2000000,4000000]
 *     [--batch-sizes 5000,10000,50000] [--extract-only] [--days D] [--seed 42] [--start-date 2025-01-06]
 *     [--cpu-prof DIR]
 *
 * --extract-only skips steps 3 and 4 (the writers and incremental runs), for iterating on extraction.
 *
 * Each measured Node phase runs in its own child process (scripts/lib/bench-extract-child.ts), so its
 * peak RSS (VmHWM) belongs to that phase alone; times are taken inside the child around the measured
 * work (Node start-up and module loading excluded). "proc CPU s" is that process's user + system time
 * (all its threads, garbage collector included). psql runs under /usr/bin/time for its peak RSS and
 * CPU when available. "machine CPU s" is busy CPU time of the whole machine (all cores: the client, the
 * PostgreSQL server and anything else running) over the phase, from /proc/stat.
 *
 * Sizes other than --attendances are not generated: they are built from the loaded table by copying
 * it with shifted attendance_ids (CREATE TABLE … ; INSERT … SELECT), then indexed and VACUUM ANALYZEd.
 * Rows keep the widths and value distributions of generated rows; only the generator's cost is saved.
 *
 * The server is stopped and the temp project directory removed on success, failure and Ctrl-C.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { parseDate } from '../src/synth/calendar.js';
import {
  advanceDemo,
  assertTimelineInPast,
  attendanceCount,
  createDemoDatabase,
  DEFAULT_OPTIONS,
} from '../src/synth/index.js';
import { type Measurement } from './lib/bench-measure.js';
import { startPostgres, type RunningServer } from './lib/servers.js';
import {
  SOURCE,
  MB,
  children,
  tempDirs,
  cleanupSync,
  runChild,
  psqlCopy,
  sizedTable,
  sizedSource,
  writeProject,
  buildSizedTable,
  fmt,
  mb,
  rate,
  type Row,
  table,
} from './lib/bench-extract-parts.js';

const DEFAULT_BATCH_SIZES = [5_000, 10_000, 50_000];

const USAGE = `npm run bench:extract -- [options]   (after npm run build)

  --attendances N       rows to load (default 2000000)
  --sizes A,B,…         also measure COPY and extraction at these table sizes (flat RSS check)
  --batch-sizes A,B,…   extraction-only batch sizes (default ${DEFAULT_BATCH_SIZES.join(',')})
  --extract-only        skip the end-to-end and incremental phases
  --days D, --seed S, --start-date YYYY-MM-DD   generator options
  --cpu-prof DIR        write CPU profiles of the extraction-only children to DIR`;

function parseBatchSize(text: string): number {
  const n = Number(text.replace(/[_,]/g, ''));
  if (!Number.isInteger(n) || n < 1) throw new Error(`--batch-sizes must be positive integers, got ${text}`);
  return n;
}

function parseCount(name: string, text: string): number {
  const n = Number(text.replace(/[_,]/g, ''));
  if (!Number.isInteger(n) || n < 1000) throw new Error(`${name} must be an integer >= 1000, got ${text}`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      attendances: { type: 'string', default: '2000000' },
      sizes: { type: 'string' },
      days: { type: 'string' },
      seed: { type: 'string', default: String(DEFAULT_OPTIONS.seed) },
      'start-date': { type: 'string', default: DEFAULT_OPTIONS.startDate },
      'cpu-prof': { type: 'string' },
      'batch-sizes': { type: 'string', default: DEFAULT_BATCH_SIZES.join(',') },
      'extract-only': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const target = parseCount('--attendances', values.attendances);
  const sizes = [
    ...new Set(
      (values.sizes ?? '')
        .split(',')
        .filter(Boolean)
        .map((s) => parseCount('--sizes', s)),
    ),
  ].sort((a, b) => a - b);
  const batchSizes = [
    ...new Set(
      values['batch-sizes']
        .split(',')
        .filter(Boolean)
        .map((s) => parseBatchSize(s)),
    ),
  ];
  const seed = Number(values.seed);
  const startDate = values['start-date'];
  // About 19,500 attendances a day at scale 1 averaged over the week: days near N / 20,000 keep scale ≈ 1.
  const days = values.days ? Number(values.days) : Math.max(1, Math.round(target / 20_000));
  if (!Number.isInteger(days) || days < 1) throw new Error('--days must be a positive integer');
  assertTimelineInPast(startDate, days + 1); // +1: the incremental phase appends a day
  let atScale1 = 0;
  for (let d = 0; d < days; d++) atScale1 += attendanceCount(seed, parseDate(startDate) + d, 1);
  const scale = Number((target / atScale1).toFixed(6));
  if (scale > 20) throw new Error(`scale ${scale} > 20: pass more --days`);
  const profDir = values['cpu-prof'] ? path.resolve(values['cpu-prof']) : undefined;
  const profArgs = profDir ? ['--cpu-prof', '--cpu-prof-dir', profDir] : [];

  const started = performance.now();
  const loadAtStart = os.loadavg()[0] ?? 0;
  const root = await mkdtemp(path.join(os.tmpdir(), 'moh-etl-bench-extract-'));
  tempDirs.add(root);
  let server: RunningServer;
  try {
    server = await startPostgres();
  } catch (e) {
    await rm(root, { recursive: true, force: true });
    throw e;
  }
  const client = new pg.Client({ connectionString: server.url });
  const log = (s: string): void => void process.stderr.write(`[bench] ${s}\n`);
  const pw = server.password;
  try {
    await client.connect();
    log(
      `PostgreSQL on port ${server.port}; loading ~${fmt(target)} attendances (${days} days, scale ${scale})`,
    );
    const load = await createDemoDatabase({ dialect: 'postgres', client }, { seed, scale, startDate, days });
    const rows = load.counts.attendances;
    let t = performance.now();
    await client.query(`VACUUM (ANALYZE) attendances`);
    const vacuumSeconds = (performance.now() - t) / 1000;
    const tableBytes = Number(
      (await client.query<{ b: string }>(`SELECT pg_table_size('attendances') AS b`)).rows[0]?.b,
    );
    const extraSizes = sizes.filter((s) => s !== rows);
    await writeProject(root, server, extraSizes);

    const results: Row[] = [];
    const problems: string[] = [];
    const add = (phase: string, m: Measurement, note?: string): Measurement => {
      results.push({ phase, m, note });
      log(`${phase}: ${fmt(m.rows)} rows in ${m.seconds.toFixed(2)} s, peak RSS ${mb(m.peakRssBytes)} MB`);
      return m;
    };
    // A wrong row count is reported (and fails the run) but does not throw away the other figures.
    const check = (what: string, m: Measurement, expected: number): void => {
      if (m.rows !== expected) problems.push(`${what}: ${fmt(m.rows)} rows, expected ${fmt(expected)}`);
    };

    log('1. psql COPY');
    const copy = add('1. psql \\copy to /dev/null (csv)', await psqlCopy(server, 'attendances', root));
    check('psql COPY', copy, rows);
    log('baseline children');
    add(
      '   idle child: extraction modules + plan',
      await runChild({ kind: 'idle', root, source: SOURCE, modules: 'extract' }, pw),
      'RSS floor of phase 2: Node, config, knex/pg, one connection, the probe query',
    );
    add(
      '   idle child: pipeline modules + plan',
      await runChild({ kind: 'idle', root, source: SOURCE, modules: 'pipeline' }, pw),
      'RSS floor of phases 3-4: the above plus runExtract and every writer module (CSV, Parquet, Excel)',
    );
    const extractOnly: Record<number, Measurement> = {};
    for (const batchSize of batchSizes) {
      log(`2. extraction only, batch_size ${batchSize}`);
      const m = await runChild({ kind: 'extract', root, source: SOURCE, batchSize }, pw, profArgs);
      check('extraction only', m, rows);
      extractOnly[batchSize] = add(
        `2. extraction only, batch ${fmt(batchSize)}`,
        m,
        `${fmt(m.batches ?? 0)} batches`,
      );
    }
    log('1b. psql COPY again');
    const copyAfter = add(
      '1b. psql \\copy again, after phase 2',
      await psqlCopy(server, 'attendances', root),
    );
    check('psql COPY', copyAfter, rows);
    // The machine's load can change between phases: the reference is both COPY runs together.
    const reference: Measurement = {
      rows: copy.rows + copyAfter.rows,
      seconds: copy.seconds + copyAfter.seconds,
    };
    let advanceSeconds: number | undefined;
    if (!values['extract-only']) {
      log('3. end to end');
      const e2e = await runChild({ kind: 'pipeline', root, source: SOURCE, mode: 'full' }, pw);
      check('end to end', e2e, rows);
      add(
        '3. runExtract full → CSV',
        e2e,
        `${fmt((e2e.bytes ?? 0) / MB, 1)} MB of CSV (${fmt((e2e.bytes ?? 0) / e2e.rows, 1)} B/row)`,
      );

      log('4. incremental: first run (whole history)');
      const first = await runChild({ kind: 'pipeline', root, source: SOURCE, mode: 'incremental' }, pw);
      check('first incremental', first, rows);
      add(
        '4a. incremental, first run (all rows)',
        first,
        'sets the watermark; reads in (updated_at, attendance_id) order',
      );
      t = performance.now();
      const advanced = await advanceDemo({ dialect: 'postgres', client }, 1);
      advanceSeconds = (performance.now() - t) / 1000;
      const expected = advanced.counts.attendances + advanced.updated.attendances;
      log('4. incremental: second run (one day)');
      const second = await runChild({ kind: 'pipeline', root, source: SOURCE, mode: 'incremental' }, pw);
      check('second incremental', second, expected);
      add(
        '4b. incremental, one more day',
        second,
        `${fmt(advanced.counts.attendances)} new + ${fmt(advanced.updated.attendances)} updated rows of ${advanced.firstDate}`,
      );
    }

    const sized: {
      rows: number;
      copy: Measurement;
      byBatch: Record<number, Measurement>;
      buildSeconds?: number;
    }[] = [];
    if (sizes.includes(rows)) sized.push({ rows, copy, byBatch: extractOnly });
    for (const size of extraSizes) {
      log(`5. size ${fmt(size)}: building ${sizedTable(size)}`);
      t = performance.now();
      const n = await buildSizedTable(client, size);
      const buildSeconds = (performance.now() - t) / 1000;
      const c = await psqlCopy(server, sizedTable(size), root);
      check(`psql COPY ${size}`, c, n);
      const byBatch: Record<number, Measurement> = {};
      for (const batchSize of batchSizes) {
        const m = await runChild({ kind: 'extract', root, source: sizedSource(size), batchSize }, pw);
        check(`extraction ${size}`, m, n);
        byBatch[batchSize] = m;
      }
      sized.push({ rows: n, copy: c, byBatch, buildSeconds });
      log(
        `5. size ${fmt(size)}: COPY ${fmt(rate(c))}/s, ` +
          batchSizes.map((b) => `batch ${fmt(b)} ${fmt(rate(byBatch[b]!))}/s`).join(', '),
      );
      await client.query(`DROP TABLE ${sizedTable(size)}`);
    }
    sized.sort((a, b) => a.rows - b.rows);

    // ----- report
    const p = (s = ''): void => console.log(s);
    p(
      `PostgreSQL ${server.version.split(' ')[1] ?? server.version} (throwaway, fsync off, shared_buffers 32MB)`,
    );
    p(
      `Node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), ${fmt(os.totalmem() / MB / 1024, 1)} GB RAM`,
    );
    p(
      `${fmt(rows)} attendances: scale ${scale}, ${load.days} days ${load.firstDate}..${load.lastDate}, seed ${seed}; ` +
        `table ${fmt(tableBytes / MB)} MB on disk`,
    );
    p(
      `load (all 8 tables, incl. child rows): ${load.seconds.toFixed(1)} s; VACUUM ANALYZE attendances ${vacuumSeconds.toFixed(1)} s; ` +
        (advanceSeconds === undefined ? '' : `advanceDemo 1 day ${advanceSeconds.toFixed(1)} s`),
    );
    p();
    for (const l of table(results, reference)) p(l);
    p();
    p(
      `COPY reference: ${fmt(rate(copy))} rows/s before the extraction-only phases, ${fmt(rate(copyAfter))} after; ` +
        `"vs COPY" and the targets use the two together, ${fmt(rate(reference))} rows/s`,
    );
    for (const batchSize of batchSizes) {
      const m = extractOnly[batchSize]!;
      const ratio = rate(m) / rate(reference);
      const rss = m.peakRssBytes ?? 0;
      const cpu = m.cpuSeconds === undefined ? '' : `, ${fmt((1e6 * m.cpuSeconds) / m.rows, 1)} µs CPU/row`;
      p(
        `targets at batch ${fmt(batchSize)}: extraction only ≥ 40% of COPY: ${(100 * ratio).toFixed(0)}% ${ratio >= 0.4 ? 'PASS' : 'FAIL'}; ` +
          `peak RSS < 256 MB: ${mb(rss)} MB ${rss < 256 * MB ? 'PASS' : 'FAIL'}${cpu}`,
      );
    }
    if (sized.length > 1) {
      p();
      p(
        'extraction only by table size (sizes other than --attendances are id-shifted copies of the loaded rows)',
      );
      const header = [
        'rows',
        'COPY rows/s',
        ...batchSizes.flatMap((b) => [`b${fmt(b)} rows/s`, 'vs COPY', `b${fmt(b)} RSS MB`]),
      ];
      const cells = sized.map((s) => [
        fmt(s.rows),
        fmt(rate(s.copy)),
        ...batchSizes.flatMap((b) => {
          const m = s.byBatch[b]!;
          return [fmt(rate(m)), `${((100 * rate(m)) / rate(s.copy)).toFixed(0)}%`, mb(m.peakRssBytes)];
        }),
      ]);
      const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
      const line = (c: string[]): string => c.map((v, i) => v.padStart(widths[i]!)).join('  ');
      p(line(header));
      p(widths.map((w) => '-'.repeat(w)).join('  '));
      for (const c of cells) p(line(c));
      const builds = sized.filter((s) => s.buildSeconds !== undefined);
      if (builds.length)
        p(
          `(copied tables built in ${builds.map((s) => `${fmt(s.rows)}: ${s.buildSeconds!.toFixed(1)} s`).join(', ')})`,
        );
    }
    if (problems.length) {
      p('\nROW COUNT MISMATCHES:');
      for (const x of problems) p(`  ${x}`);
      process.exitCode = 1;
    }
    if (profDir) p(`\nCPU profiles of the extraction-only children: ${profDir}`);
    p(
      `\ntotal ${((performance.now() - started) / 1000).toFixed(0)} s; 1-minute load average ` +
        `${loadAtStart.toFixed(2)} at start, ${(os.loadavg()[0] ?? 0).toFixed(2)} at end ` +
        `(above ~1 before the run means something else was using the CPUs)`,
    );
  } finally {
    await client.end().catch(() => undefined);
    for (const child of children) child.kill('SIGKILL');
    await server.stop();
    await rm(root, { recursive: true, force: true, maxRetries: 3 });
    tempDirs.delete(root);
  }
}

// servers.ts kills the server on exit and on signals; we add our children and temp directory.
process.on('exit', cleanupSync);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    cleanupSync();
    process.exit(128 + os.constants.signals[signal]);
  });
}
await main();
