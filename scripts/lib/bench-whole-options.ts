/** The options of scripts/bench.ts (`npm run bench -- --help`). */
import { parseArgs } from 'node:util';

export interface WholeOptions {
  /** Runs of every measurement; figures are medians (default 3; --quick 1). */
  repeat: number;
  /** PostgreSQL table sizes measured to CSV and Parquet (default 1M and 4M; --quick 100k). */
  sizes: number[];
  /** The PostgreSQL table measured to Excel (default 500k: a sheet holds 1,048,575 rows; --quick 100k; 0: none). */
  excelRows: number;
  /** MariaDB table sizes measured to CSV and Parquet (default 1M; --quick 100k); empty: no MariaDB. */
  mariadbSizes: number[];
  /** Also measure every PostgreSQL table with a CJK text column (default true). */
  cjk: boolean;
  /** Measure the pipeline's national day (default true). */
  pipeline: boolean;
  /** Rows of the processed attendances dataset the national day merges into (default 10M; --quick 200k). */
  pipelineAttendances: number;
  /** Demo volume, 1 = national (default 1; --quick 0.05). */
  scale: number;
  /** Days in the demo database before the national day (default 7). */
  days: number;
  seed: number;
  /** Key ranges measured beside the unsplit run, CSV on the ASCII tables (default 2 and 4; --quick 2; empty: none). */
  ranges: number[];
  quick: boolean;
}

export const USAGE = `usage: npm run bench -- [options]   (npm run build first)

One markdown table: each pipeline as a user runs it (the whole moh-etl process under GNU time)
beside the database's own client (psql \\copy, mariadb --batch --quick), plus moh-etl run of a
national day. Medians of --repeat runs, the client and moh-etl interleaved.

  --repeat N               runs per measurement, figures are medians (default 3)
  --sizes A,B              PostgreSQL rows to CSV and Parquet (default 1000000,4000000)
  --excel-rows N           PostgreSQL rows to Excel (default 500000; a sheet holds 1,048,575; 0 for none)
  --mariadb-sizes A,B      MariaDB rows to CSV and Parquet (default 1000000; "" for none)
  --no-cjk                 skip the tables with a CJK text column
  --no-pipeline            skip moh-etl run of the national day
  --pipeline-attendances N processed attendances the national day merges into (default 10000000)
  --scale X                demo volume, 1 = national (default 1)
  --days N                 demo days before the national day (default 7)
  --seed N                 synthetic data seed (default 42)
  --ranges A,B             extraction.split ranges measured beside the unsplit run, CSV on the
                           ASCII tables (default 2,4; "" for none)
  --quick                  smoke run: 100k rows everywhere, 1 repeat, scale 0.05, 200k processed
  -h, --help               this text`;

function count(name: string, text: string, min = 1000): number {
  const n = Number(text.replace(/[_,]/g, ''));
  if (!Number.isInteger(n) || n < min)
    throw new Error(`${name}: expected an integer ≥ ${min}, got "${text}"`);
  return n;
}

/** A size, or 0 for none. */
const sizeOrNone = (name: string, text: string): number => (Number(text) === 0 ? 0 : count(name, text));

function counts(name: string, text: string, min = 1000): number[] {
  const list = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => count(name, s, min));
  return [...new Set(list)].sort((a, b) => a - b);
}

/** The options, or undefined when --help was asked for (the usage is printed). */
export function parseOptions(argv: string[]): WholeOptions | undefined {
  const { values } = parseArgs({
    args: argv,
    options: {
      repeat: { type: 'string' },
      sizes: { type: 'string' },
      'excel-rows': { type: 'string' },
      'mariadb-sizes': { type: 'string' },
      'no-cjk': { type: 'boolean', default: false },
      'no-pipeline': { type: 'boolean', default: false },
      'pipeline-attendances': { type: 'string' },
      scale: { type: 'string' },
      days: { type: 'string', default: '7' },
      seed: { type: 'string', default: '42' },
      ranges: { type: 'string' },
      quick: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return undefined;
  }
  const quick = values.quick;
  const scale = Number(values.scale ?? (quick ? 0.05 : 1));
  if (!Number.isFinite(scale) || scale <= 0) throw new Error(`--scale: expected a positive number`);
  return {
    repeat: count('--repeat', values.repeat ?? (quick ? '1' : '3'), 1),
    sizes: counts('--sizes', values.sizes ?? (quick ? '100000' : '1000000,4000000')),
    excelRows: sizeOrNone('--excel-rows', values['excel-rows'] ?? (quick ? '100000' : '500000')),
    mariadbSizes: counts('--mariadb-sizes', values['mariadb-sizes'] ?? (quick ? '100000' : '1000000')),
    cjk: !values['no-cjk'],
    pipeline: !values['no-pipeline'],
    pipelineAttendances: count(
      '--pipeline-attendances',
      values['pipeline-attendances'] ?? (quick ? '200000' : '10000000'),
    ),
    scale,
    days: count('--days', values.days, 1),
    seed: count('--seed', values.seed, 0),
    ranges: counts('--ranges', values.ranges ?? (quick ? '2' : '2,4'), 2),
    quick,
  };
}
