/**
 * A demo database in any dialect, plus a moh-etl project (config/ in a temp root) pointing at it.
 * Integration tests load synthetic data with the real loaders and extract it with the real pipeline.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import mysql from 'mysql2/promise';
import { parse, stringify } from 'yaml';
import { loadConfig, type LoadedConfig } from '../../src/config/load.js';
import {
  createDemoDatabase,
  advanceDemo,
  type DemoTarget,
  type SynthOptions,
} from '../../src/synth/index.js';
import { REPO_ROOT } from './config-fixture.js';
import { asConnectionConfig, type DbConnection } from './databases.js';

/** Open a native connection for the synthetic loaders, run `fn`, close it. */
export async function withDemoTarget<T>(
  conn: DbConnection,
  fn: (target: DemoTarget) => Promise<T>,
): Promise<T> {
  if (conn.dialect === 'sqlite') {
    const db = new Database(conn.filename);
    try {
      return await fn({ dialect: 'sqlite', db });
    } finally {
      db.close();
    }
  }
  if (conn.dialect === 'postgres') {
    const client = new pg.Client({
      host: conn.host,
      port: conn.port,
      user: conn.user,
      password: conn.password,
      database: conn.database,
    });
    await client.connect();
    try {
      return await fn({ dialect: 'postgres', client });
    } finally {
      await client.end();
    }
  }
  const c = await mysql.createConnection({
    host: conn.host,
    port: conn.port,
    user: conn.user,
    password: conn.password,
    database: conn.database,
  });
  try {
    return await fn({ dialect: 'mysql', conn: c });
  } finally {
    await c.end();
  }
}

export const loadDemo = (conn: DbConnection, options: SynthOptions) =>
  withDemoTarget(conn, (t) => createDemoDatabase(t, options));
export const advance = (conn: DbConnection, days: number) =>
  withDemoTarget(conn, (t) => advanceDemo(t, days));

const PLAIN_ATTENDANCES = `SELECT attendance_id, patient_id, polyclinic_code, visit_date, arrival_time, visit_type,
       triage_category, waiting_time_min, consultation_fee, created_at, updated_at
  FROM attendances`;

/**
 * A project root whose config/database.yml is the repository's, with every source pointed at `conn`
 * and the given overrides of the extraction/output sections.
 */
export function projectFor(
  root: string,
  conn: DbConnection,
  overrides: Record<string, unknown> & { shippedTemplates?: boolean } = {},
): LoadedConfig {
  mkdirSync(path.join(root, 'config'), { recursive: true });
  const doc = parse(readFileSync(path.join(REPO_ROOT, 'config/database.yml'), 'utf8')) as Record<
    string,
    Record<string, unknown>
  >;
  doc.connections = { src: asConnectionConfig(conn) };
  for (const source of Object.values(doc.sources as Record<string, Record<string, unknown>>))
    source.connection = 'src';
  // The tables as they are: the shipped attendances template joins the patient's date of birth for
  // the transform, which these projects do not run (tests compare with the generator's rows).
  if (!overrides.shippedTemplates) {
    (doc.sources as Record<string, Record<string, unknown>>).attendances!.pii_columns = ['patient_id'];
    delete doc.transform;
  }
  doc.extraction = { ...doc.extraction, default_connection: 'src', ...(overrides.extraction as object) };
  // CSV unless a test asks otherwise: tests read the output back with a CSV parser.
  doc.output = { ...doc.output, formats: ['csv'], ...(overrides.output as object) };
  writeFileSync(path.join(root, 'config/database.yml'), stringify(doc));
  const queries = parse(readFileSync(path.join(REPO_ROOT, 'config/queries.yml'), 'utf8')) as Record<
    string,
    Record<string, unknown>
  >;
  if (!overrides.shippedTemplates) queries.attendances = { ...queries.attendances, sql: PLAIN_ATTENDANCES };
  writeFileSync(path.join(root, 'config/queries.yml'), stringify(queries));
  return loadConfig({ root, env: {} });
}
