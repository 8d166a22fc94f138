/**
 * The moh-etl project scripts/bench.ts runs `extract` in: the repository's config/database.yml and
 * queries.yml (extraction, output and logging settings as shipped: batch_size, part_rows, Parquet
 * compression, CSV options…) with one connection per server and one source per benchmark table.
 * Each source is the shipped attendances source (keys, cursor and date columns) reading its table
 * through the benchmark template (bench-template.ts: the table's own columns, what `SELECT *`
 * returns; the CJK tables add `note`). Validation checks, transform, load, schedules and alert
 * channels name the repository's sources and are left out: this measures extraction to files.
 * Passwords come from the environment, never the file.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { loadConfig } from '../../src/config/load.js';
import { repoRoot } from './bench-pipeline-project.js';
import { BENCH_ATTENDANCES_SQL } from './bench-template.js';
import { splitSource, type BenchTable, type Engine } from './bench-whole-tools.js';
import type { RunningServer } from './servers.js';

/** The moh-etl connection client of each engine, and the variable holding its password. */
const CONNECTION: Record<Engine, { client: string; passwordVar: string }> = {
  postgres: { client: 'postgres', passwordVar: 'MOH_BENCH_PG_PASSWORD' },
  mariadb: { client: 'mysql', passwordVar: 'MOH_BENCH_MARIADB_PASSWORD' },
};

const FROM_ATTENDANCES = /\s+FROM\s+attendances\b/i;

/** The template reading `table`: the benchmark's attendances SELECT, plus `note` on a CJK table. */
export function templateFor(t: BenchTable): string {
  if (!FROM_ATTENDANCES.test(BENCH_ATTENDANCES_SQL))
    throw new Error('the benchmark template no longer reads FROM attendances');
  const note = t.text === 'CJK' ? ', note' : '';
  return BENCH_ATTENDANCES_SQL.replace(FROM_ATTENDANCES, `${note}\n  FROM ${t.table}`);
}

/** Writes the project under `root`; returns the environment its config needs. */
export async function writeWholeProject(
  root: string,
  servers: Partial<Record<Engine, RunningServer>>,
  tables: readonly BenchTable[],
  /** Key ranges to read each table in, besides unsplit: a source per table and count. */
  ranges: readonly number[] = [],
): Promise<NodeJS.ProcessEnv> {
  const repo = repoRoot();
  const doc = parse(await readFile(path.join(repo, 'config/database.yml'), 'utf8')) as Record<
    string,
    unknown
  >;
  const shipped = (doc.sources as Record<string, Record<string, unknown>>).attendances;
  if (!shipped) throw new Error('the repository config has no attendances source');
  const env: NodeJS.ProcessEnv = {};
  const connections: Record<string, unknown> = {};
  for (const [engine, s] of Object.entries(servers) as [Engine, RunningServer][]) {
    const { client, passwordVar } = CONNECTION[engine];
    const { host, port, database, user } = s;
    connections[engine] = { client, host, port, database, user, password: `\${${passwordVar}}` };
    env[passwordVar] = s.password;
  }
  const sources: Record<string, unknown> = {};
  const queries: Record<string, unknown> = {};
  for (const t of tables) {
    // The shipped source joins the patient's date of birth for the transform; these read the table alone.
    sources[t.source] = { ...shipped, connection: t.engine, pii_columns: ['patient_id'], mode: 'full' };
    queries[t.source] = { description: `${t.table} (${t.text})`, sql: templateFor(t) };
    for (const r of ranges) {
      sources[splitSource(t.source, r)] = {
        ...(sources[t.source] as object),
        query: t.source,
        split: { ranges: r, min_rows: 0 },
      };
    }
  }
  // A range holds a pooled connection while it reads.
  const poolMax = Math.max(4, ...ranges);
  for (const c of Object.values(connections)) (c as Record<string, unknown>).pool = { max: poolMax };
  doc.connections = connections;
  doc.sources = sources;
  doc.extraction = { ...(doc.extraction as object), default_connection: 'postgres' };
  doc.validation = { ...(doc.validation as object), sources: {} };
  doc.alerts = { ...(doc.alerts as object), channels: {} };
  delete doc.schedules;
  delete doc.transform;
  delete doc.load;
  await mkdir(path.join(root, 'config'), { recursive: true });
  await writeFile(path.join(root, 'config/database.yml'), stringify(doc));
  await writeFile(path.join(root, 'config/queries.yml'), stringify(queries));
  loadConfig({ root, env }); // a config mistake fails here, not in the first measured process
  return env;
}
