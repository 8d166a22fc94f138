#!/usr/bin/env node
/**
 * Transform benchmark: per-row cost of compiled transforms over in-memory batches shaped like the
 * extraction's (attendances with a patient's date of birth joined in, batches of 5,000), so the
 * figures are the transform's own, without a database or a writer. Prints µs/row for:
 *   - the identity transform (a source without transform config);
 *   - cleaning and derived columns only (trim, nulls, case, map, age, epi week);
 *   - the same plus PII policies (pseudonymise patient_id, generalise date of birth), with patient
 *     ids drawn at random from pools of different sizes (the token cache's hit rate depends on it);
 *   - one HMAC-SHA256 token per value, uncached and cached.
 *
 *   npx tsc -p tsconfig.build.json && node dist/scripts/bench_transform.js [--rows 200000] [--batch 5000]
 */
import { parseArgs } from 'node:util';
import { transformSchema } from '../src/config/transform-schema.js';
import { t, type ColumnSpec, type Row } from '../src/schema/column-types.js';
import { compileTransform, type CompiledTransform } from '../src/transform/compile.js';
import { pseudonymKey, tokenCache } from '../src/transform/pseudonym-key.js';

const USAGE = `Usage: node dist/scripts/bench_transform.js [--rows N] [--batch N]

  --rows N    attendance rows per measurement (default 200000)
  --batch N   rows per batch (default 5000, the extraction's default)
  -h, --help  this text`;

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '200000' },
    batch: { type: 'string', default: '5000' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const ROWS = Number(values.rows);
const BATCH = Number(values.batch);
const ENV = { MOH_PSEUDONYM_KEY: 'bench-key-not-secret-0123456789abcdef0123' };

const c = (name: string, type = t.string()): ColumnSpec => ({ name, type, nullable: true });
const COLUMNS: ColumnSpec[] = [
  c('attendance_id', t.int64()),
  c('patient_id', t.int64()),
  c('polyclinic_code'),
  c('visit_date', t.date()),
  c('arrival_time', t.timestamp()),
  c('visit_type'),
  c('triage_category', t.int32()),
  c('waiting_time_min', t.int32()),
  c('consultation_fee', t.decimal(10, 2)),
  c('date_of_birth', t.date()),
  c('created_at', t.timestamptz()),
  c('updated_at', t.timestamptz()),
];

/** A small deterministic generator (xorshift32): the same rows every run. */
function rng(seed: number): () => number {
  let s = seed;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4_294_967_296;
  };
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
const TYPES = ['Acute', ' Chronic ', 'N/A', 'follow-up', ''];
const CLINICS = ['AMK', 'BDK', 'GYL', 'HGN', 'TPY'];

function makeRows(count: number, patients: number): Row[] {
  const r = rng(42 + patients);
  const rows: Row[] = [];
  for (let i = 0; i < count; i++) {
    const day = `2025-${pad(1 + Math.floor(r() * 12))}-${pad(1 + Math.floor(r() * 28))}`;
    const stamp = `${day}T${pad(Math.floor(r() * 24))}:${pad(Math.floor(r() * 60))}:00.000000`;
    rows.push([
      String(10_000_000 + i),
      String(1 + Math.floor(r() * patients)),
      CLINICS[i % CLINICS.length]!,
      day,
      stamp,
      TYPES[Math.floor(r() * TYPES.length)]!,
      1 + Math.floor(r() * 4),
      Math.floor(r() * 120),
      `${10 + Math.floor(r() * 30)}.50`,
      `${1930 + Math.floor(r() * 90)}-${pad(1 + Math.floor(r() * 12))}-${pad(1 + Math.floor(r() * 28))}`,
      `${stamp}Z`,
      `${stamp}Z`,
    ]);
  }
  return rows;
}

const CLEANING = [
  { step: 'trim' },
  { step: 'nulls', columns: ['visit_type'] },
  { step: 'case', columns: ['visit_type'], to: 'lower' },
  { step: 'map', column: 'visit_type', values: { acute: 'A', chronic: 'C', 'follow-up': 'F' } },
  { step: 'derive', kind: 'age', name: 'age_at_visit', from: 'date_of_birth', at: 'visit_date' },
  { step: 'derive', kind: 'epi_week', name: 'visit_epi_week', from: 'visit_date' },
];
const PII = { patient_id: 'pseudonymise', date_of_birth: { generalise: '5y_band' } };

function compiled(source: object | undefined): CompiledTransform {
  const config = transformSchema.parse({ sources: source ? { attendances: source } : {} });
  return compileTransform({ source: 'attendances', config, columns: COLUMNS, env: ENV });
}

/** µs per row of `transform` over `rows` in batches, after one warm-up pass over the first batches. */
function measure(transform: CompiledTransform, rows: Row[]): number {
  for (let i = 0; i < Math.min(rows.length, 20 * BATCH); i += BATCH) {
    transform.apply({ columns: COLUMNS, rows: rows.slice(i, i + BATCH) });
  }
  const batches: Row[][] = [];
  for (let i = 0; i < rows.length; i += BATCH) batches.push(rows.slice(i, i + BATCH));
  const start = process.hrtime.bigint();
  let out = 0;
  for (const rowsOfBatch of batches)
    out += transform.apply({ columns: COLUMNS, rows: rowsOfBatch }).rows.length;
  const elapsed = Number(process.hrtime.bigint() - start) / 1000;
  if (out !== rows.length) throw new Error('rows lost');
  return elapsed / rows.length;
}

function perValue(f: (text: string) => string, texts: string[]): number {
  for (const text of texts.slice(0, 20_000)) f(text);
  const start = process.hrtime.bigint();
  let n = 0;
  for (const text of texts) n += f(text).length;
  if (n !== texts.length * 64) throw new Error('bad tokens');
  return Number(process.hrtime.bigint() - start) / 1000 / texts.length;
}

function line(label: string, us: number): void {
  const perSecond = us < 0.001 ? '-' : Math.round(1e6 / us).toLocaleString('en-US');
  console.log(`${label.padEnd(58)} ${us.toFixed(3).padStart(7)} µs/row  ${perSecond.padStart(11)} rows/s`);
}

console.log(
  `transform benchmark: ${ROWS.toLocaleString('en-US')} rows, batches of ${BATCH}, node ${process.version}`,
);
const rows = makeRows(ROWS, 200_000);
line('identity (no transform config)', measure(compiled(undefined), rows));
line(
  'cleaning + derived (trim, nulls, case, map, age, epi week)',
  measure(compiled({ steps: CLEANING }), rows),
);
for (const patients of [20_000, 60_000, 200_000, 1_000_000]) {
  const sample = makeRows(ROWS, patients);
  line(
    `  + pseudonymise + 5y_band, ${patients.toLocaleString('en-US')} patients`,
    measure(compiled({ steps: CLEANING, pii: PII }), sample),
  );
}
const key = pseudonymKey(ENV, 'MOH_PSEUDONYM_KEY');
const texts = Array.from({ length: 300_000 }, (_, i) => `S${1_000_000 + i}D`);
line(
  'one HMAC-SHA256 token per value (createHmac, KeyObject)',
  perValue((v) => key.token(v), texts),
);
const cached = tokenCache(key);
const hot = texts.slice(0, 50_000);
perValue(cached, hot);
line('one cached token per value (all hits)', perValue(cached, [...hot, ...hot, ...hot]));
console.log(`peak RSS ${Math.round(process.memoryUsage().rss / 1e6)} MB`);
