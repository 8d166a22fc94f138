/** A moh-etl project in a temp root for one test: one connection `src`, the given sources and queries. */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { loadConfig, type LoadedConfig } from '../../src/config/load.js';
import { asConnectionConfig, type DbConnection } from './databases.js';

export interface MiniProject {
  sources: Record<string, Record<string, unknown>>;
  queries: Record<string, string>;
  extraction?: Record<string, unknown>;
  output?: Record<string, unknown>;
}

export function writeProject(root: string, conn: DbConnection, p: MiniProject): LoadedConfig {
  mkdirSync(path.join(root, 'config'), { recursive: true });
  const sources = Object.fromEntries(
    Object.entries(p.sources).map(([n, s]) => [n, { connection: 'src', ...s }]),
  );
  writeFileSync(
    path.join(root, 'config/database.yml'),
    stringify({
      connections: { src: asConnectionConfig(conn) },
      sources,
      extraction: p.extraction ?? {},
      // CSV unless a test asks otherwise: tests read the output back with a CSV parser.
      output: { formats: ['csv'], ...p.output },
    }),
  );
  writeFileSync(
    path.join(root, 'config/queries.yml'),
    stringify(Object.fromEntries(Object.entries(p.queries).map(([n, sql]) => [n, { sql }]))),
  );
  return loadConfig({ root, env: {} });
}
