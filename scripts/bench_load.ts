#!/usr/bin/env node
/**
 * Load benchmark: generates N synthetic attendances (with all child rows) into a throwaway
 * PostgreSQL and prints rows/s per table, total seconds and peak RSS.
 *
 *   npm run build && npm run bench:load -- [--attendances 1000000] [--days 40] [--seed 42]
 *
 * The scale is chosen so that `--days` days from 2025-01-06 hold about N attendances.
 */
import { parseArgs } from 'node:util';
import pg from 'pg';
import { parseDate } from '../src/synth/calendar.js';
import {
  attendanceCount,
  createDemoDatabase,
  DEFAULT_OPTIONS,
  SOURCE_TABLES,
  type LoadResult,
} from '../src/synth/index.js';
import { startPostgres } from './lib/servers.js';

const { values } = parseArgs({
  options: {
    attendances: { type: 'string', default: '1000000' },
    days: { type: 'string', default: '40' },
    seed: { type: 'string', default: String(DEFAULT_OPTIONS.seed) },
    'start-date': { type: 'string', default: DEFAULT_OPTIONS.startDate },
  },
});
const target = Number(values.attendances);
const days = Number(values.days);
const seed = Number(values.seed);
const startDate = values['start-date'];
if (!Number.isInteger(target) || target < 1000) throw new Error('--attendances must be an integer >= 1000');
if (!Number.isInteger(days) || days < 1) throw new Error('--days must be a positive integer');

// attendanceCount is linear in scale (up to rounding), so one pass at scale 1 picks the scale.
let atScale1 = 0;
for (let d = 0; d < days; d++) atScale1 += attendanceCount(seed, parseDate(startDate) + d, 1);
const scale = Number((target / atScale1).toFixed(6));

const fmt = (n: number, digits = 0): string =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

function report(r: LoadResult, version: string): void {
  const rows = SOURCE_TABLES.map((t) => {
    const secs = r.timings.tables[t];
    return [t, fmt(r.counts[t]), secs.toFixed(2), secs > 0 ? fmt(r.counts[t] / secs) : '-'];
  });
  const total = SOURCE_TABLES.reduce((a, t) => a + r.counts[t], 0);
  const copySecs = SOURCE_TABLES.reduce((a, t) => a + r.timings.tables[t], 0);
  rows.push(['total', fmt(total), copySecs.toFixed(2), fmt(total / copySecs)]);
  const widths = [12, 12, 9, 12];
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(`PostgreSQL ${version.split(' ')[1] ?? version}`);
  console.log(
    `${fmt(r.counts.attendances)} attendances: scale ${scale}, ${r.days} days ${r.firstDate}..${r.lastDate}, seed ${seed}`,
  );
  console.log('');
  console.log(line(['table', 'rows', 'COPY s', 'rows/s']));
  for (const row of rows) console.log(line(row));
  console.log('');
  const kv = (label: string, value: string): void => console.log(`${label.padEnd(44)}${value}`);
  kv('generation (worker thread, overlaps COPY)', `${r.timings.generateSeconds.toFixed(2)} s`);
  kv('primary keys, indexes, ANALYZE', `${r.timings.indexSeconds.toFixed(2)} s`);
  kv('total', `${r.seconds.toFixed(2)} s  (${fmt(total / r.seconds)} rows/s)`);
  kv('peak RSS', `${fmt(process.resourceUsage().maxRSS / 1024)} MB`);
}

const server = await startPostgres();
const client = new pg.Client({ connectionString: server.url });
try {
  await client.connect();
  const result = await createDemoDatabase({ dialect: 'postgres', client }, { seed, scale, startDate, days });
  report(result, server.version);
} finally {
  await client.end().catch(() => undefined);
  await server.stop();
}
