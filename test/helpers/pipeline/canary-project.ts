/**
 * The project around the canary table (canary.ts): two sources reading it, `contacts` (checked and
 * loaded) and `contacts_gate` (stopped by a critical check, so an alert says so), the de-identified
 * profile with a policy for every PII column, checks that fail on those columns (their failing-row
 * samples go to the reports, masked), a freshness check whose message would name the newest date of
 * birth, one alert channel of each HTTP kind pointed at a local sink, and a scheduled job (only
 * scheduled runs alert). Logs at debug, raw output as CSV and Parquet.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { asConnectionConfig, type DbConnection } from '../databases.js';
import { CANARY_TABLE, PII_COLUMNS } from './canary.js';

export const CANARY_JOB = 'nightly';
export const CANARY_SOURCES = ['contacts', 'contacts_gate'] as const;

const PII_POLICY = {
  patient_name: 'pseudonymise',
  contact_phone: 'drop',
  home_address: 'drop',
  email: 'pseudonymise',
  nric: 'pseudonymise',
  date_of_birth: { generalise: '5y_band' },
};

const FAILING_CHECKS = [
  { check: 'pattern', column: 'nric', regex: '^T[0-9]{7}[A-Z]$' },
  { check: 'accepted_values', column: 'patient_name', values: ['nobody'] },
  { check: 'pattern', column: 'contact_phone', regex: '^[0-9]{8}$' },
  { check: 'pattern', column: 'email', regex: '^[a-z]+@moh[.]gov[.]sg$' },
  { check: 'unique', columns: ['home_address'] },
  { check: 'range', column: 'date_of_birth', min: '1950-01-01' },
  { check: 'freshness', column: 'date_of_birth', warn_after: '1d', error_after: '2d' },
  // A check on a column that is not personal: its samples are whole rows, PII columns masked.
  { check: 'range', column: 'fee', max: 1 },
  // Over the processed dataset (pseudonymised already), so its samples come from there.
  { check: 'accepted_values', column: 'polyclinic_code', values: ['P99'], scope: 'dataset' },
].map((c) => (c.check === 'freshness' ? c : { severity: 'error', ...c }));

/** Write config/, queries and .env under `root`; returns the environment the CLI needs. */
export function writeCanaryProject(
  root: string,
  conn: DbConnection,
  sink: { url(path?: string): string },
): NodeJS.ProcessEnv {
  mkdirSync(path.join(root, 'config'), { recursive: true });
  const source = {
    connection: 'src',
    query: 'contacts',
    primary_key: ['record_id'],
    cursor_column: 'updated_at',
    date_column: 'visit_date',
    pii_columns: PII_COLUMNS,
  };
  const doc = {
    connections: { src: asConnectionConfig(conn) },
    sources: { contacts: source, contacts_gate: source },
    extraction: { default_connection: 'src', settle_lag: '0s', state_dir: 'data/state' },
    validation: {
      sample_rows: 5,
      sources: {
        contacts: FAILING_CHECKS,
        contacts_gate: [
          { check: 'pattern', column: 'nric', regex: '^T[0-9]{7}[A-Z]$', severity: 'critical' },
        ],
      },
    },
    transform: {
      profile: 'deidentified',
      sources: { contacts: { pii: PII_POLICY }, contacts_gate: { pii: PII_POLICY } },
    },
    output: { directory: 'data/raw', formats: ['csv', 'parquet'] },
    schedules: { [CANARY_JOB]: { cron: '0 2 * * *', mode: 'refresh', sources: [...CANARY_SOURCES] } },
    alerts: {
      channels: {
        hook: { type: 'webhook', url: sink.url('/hook') },
        slack: { type: 'slack', url: sink.url('/slack') },
        teams: { type: 'teams', url: sink.url('/teams') },
      },
    },
    logging: { level: 'debug', directory: 'logs' },
  };
  writeFileSync(path.join(root, 'config/database.yml'), stringify(doc));
  writeFileSync(
    path.join(root, 'config/queries.yml'),
    stringify({
      contacts: {
        sql: `SELECT record_id, ${PII_COLUMNS.join(', ')}, polyclinic_code, visit_date, fee, remarks, updated_at FROM ${CANARY_TABLE}`,
      },
    }),
  );
  const key = randomBytes(32).toString('hex');
  writeFileSync(path.join(root, '.env'), `MOH_PSEUDONYM_KEY=${key}\n`, { mode: 0o600 });
  return { MOH_PSEUDONYM_KEY: key };
}
