/**
 * The project of scripts/bench_write.ts: the repository's config with its connection pointed at the
 * throwaway PostgreSQL, reduced to the attendances source and a source on the Excel table.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { loadConfig } from '../../src/config/load.js';
import { BENCH_ATTENDANCES_SQL } from './bench-template.js';
import { PASSWORD_VAR } from './bench-write-task.js';
import type { RunningServer } from './servers.js';

const SELF = fileURLToPath(import.meta.url);

function repoRoot(): string {
  for (let dir = path.dirname(SELF); path.dirname(dir) !== dir; dir = path.dirname(dir))
    if (existsSync(path.join(dir, 'config/queries.yml')) && existsSync(path.join(dir, 'package.json')))
      return dir;
  throw new Error('cannot find the repository (config/queries.yml)');
}

/** The repository's config with the connection pointed at the server, plus a source on `excelTable`. */
export async function writeProject(
  root: string,
  server: RunningServer,
  excelTable: string,
  batchSize: number | undefined,
): Promise<void> {
  const repo = repoRoot();
  const doc = parse(await readFile(path.join(repo, 'config/database.yml'), 'utf8')) as {
    sources: Record<string, object>;
    connections: unknown;
    extraction?: object;
    validation?: unknown;
    schedules?: unknown;
    transform?: unknown;
    load?: unknown;
  };
  const queries = parse(await readFile(path.join(repo, 'config/queries.yml'), 'utf8')) as Record<
    string,
    { sql: string }
  >;
  const template = queries.attendances ? { ...queries.attendances, sql: BENCH_ATTENDANCES_SQL } : undefined;
  if (!doc.sources.attendances || !template)
    throw new Error('the repository config has no attendances source');
  // The benchmark's attendances read the table alone (no date of birth: no transform runs here).
  const source = { ...doc.sources.attendances, connection: 'src', pii_columns: ['patient_id'] };
  doc.sources = { attendances: source, [excelTable]: { ...source, query: excelTable } };
  queries.attendances = template;
  queries[excelTable] = {
    ...template,
    sql: template.sql.replace(/\bFROM\s+attendances\b/i, `FROM ${excelTable}`),
  };
  const { host, port, database, user } = server;
  doc.connections = {
    src: { client: 'postgres', host, port, database, user, password: `\${${PASSWORD_VAR}}` },
  };
  doc.extraction = {
    ...doc.extraction,
    default_connection: 'src',
    ...(batchSize === undefined ? {} : { batch_size: batchSize }),
  };
  // Checks name the repository's other sources, which this project drops; they are not measured here.
  delete doc.validation;
  delete doc.schedules;
  delete doc.transform;
  delete doc.load;
  await mkdir(path.join(root, 'config'), { recursive: true });
  await writeFile(path.join(root, 'config/database.yml'), stringify(doc));
  await writeFile(path.join(root, 'config/queries.yml'), stringify(queries));
  loadConfig({ root, env: { [PASSWORD_VAR]: server.password } }); // fail here, not in a child
}
