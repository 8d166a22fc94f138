/**
 * The simulation's project: the repository's config/database.yml pointed at the extractor role
 * (test/helpers/demo-source.ts projectFor), then made into the project of an operator who runs one
 * nightly job and wants to be told when it breaks: a `daily_incremental` job over four sources, a
 * webhook alert channel (its URL from the environment, as a secret should be), metrics on.
 *
 * Values must compare with the source, so there are no PII policies (projectFor drops the
 * transform section) and no checks (`validation.sources: {}`; checks are tested elsewhere).
 * Parts and batches are small, so a daily increment of a few dozen attendances is several parts
 * and a transient fault can land after the first one.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { loadConfig, type LoadedConfig } from '../../../src/config/load.js';
import type { DbConnection } from '../databases.js';
import { projectFor } from '../demo-source.js';
import { PAUSE_PREDICATE } from './extractor-role.js';

/** The sources the job runs; four, so that a failure on all of them is one grouped alert. */
export const SIM_SOURCES = ['patients', 'attendances', 'medications', 'lab_results'] as const;
export type SimSource = (typeof SIM_SOURCES)[number];

export const JOB = 'daily_incremental';
export const CRON = '0 2 * * *';
/** The job's time zone (the schedules' default). */
export const TIMEZONE = 'Asia/Singapore';
/** The environment variable the webhook URL is read from. */
export const WEBHOOK_ENV = 'MOH_SIM_WEBHOOK_URL';
/** Rows per part and per batch. */
export const PART_ROWS = 20;

const ATTENDANCES = `SELECT attendance_id, patient_id, polyclinic_code, visit_date, arrival_time, visit_type,
       triage_category, waiting_time_min, consultation_fee, created_at, updated_at
  FROM attendances
 WHERE ${PAUSE_PREDICATE}`;

/** Write the project under `root` for `conn` and load it as the CLI will (with `env`). */
export function simProject(root: string, conn: DbConnection, env: Record<string, string>): LoadedConfig {
  projectFor(root, conn, {
    extraction: {
      batch_size: PART_ROWS,
      settle_lag: '0s',
      lookback: '12h',
      retry: { attempts: 3, min_delay: '100ms', max_delay: '400ms' },
    },
    output: { part_rows: PART_ROWS },
  });
  const file = path.join(root, 'config/database.yml');
  const doc = parse(readFileSync(file, 'utf8')) as Record<string, Record<string, unknown>>;
  doc.validation = { ...doc.validation, sources: {} };
  doc.load = { ...doc.load, keep_versions: 3 };
  doc.schedules = {
    [JOB]: {
      description: 'The simulated nightly increment',
      cron: CRON,
      timezone: TIMEZONE,
      mode: 'incremental',
      sources: [...SIM_SOURCES],
    },
  };
  doc.alerts = { ...doc.alerts, channels: { ops: { type: 'webhook', url: `\${${WEBHOOK_ENV}}` } } };
  writeFileSync(file, stringify(doc));
  const queriesFile = path.join(root, 'config/queries.yml');
  const queries = parse(readFileSync(queriesFile, 'utf8')) as Record<string, Record<string, unknown>>;
  queries.attendances = { ...queries.attendances, sql: ATTENDANCES };
  writeFileSync(queriesFile, stringify(queries));
  return loadConfig({ root, env });
}
