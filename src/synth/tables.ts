/**
 * The synthetic MOH polyclinic schema: eight tables, described once in the canonical type model.
 * DDL for each demo database (SQLite, PostgreSQL, MySQL/MariaDB) is derived from these specs, so
 * the three demo databases cannot drift apart.
 */
import { t, type ColumnSpec, type ColumnType } from '../schema/column-types.js';

export interface TableSpec {
  name: SourceTable;
  columns: ColumnSpec[];
  primaryKey: string[];
  /** Extra indexes; (updated_at, pk) supports keyset extraction on the incremental cursor. */
  indexes: string[][];
}

export const SOURCE_TABLES = [
  'polyclinics',
  'conditions',
  'patients',
  'attendances',
  'diagnoses',
  'procedures',
  'medications',
  'lab_results',
] as const;
export type SourceTable = (typeof SOURCE_TABLES)[number];

const c = (name: string, type: ColumnType, nullable = false): ColumnSpec => ({ name, type, nullable });
const audit = (): ColumnSpec[] => [c('created_at', t.timestamptz()), c('updated_at', t.timestamptz())];

export const TABLES: Record<SourceTable, TableSpec> = {
  polyclinics: {
    name: 'polyclinics',
    columns: [
      c('polyclinic_code', t.string()),
      c('name', t.string()),
      c('region', t.string()),
      c('cluster', t.string()),
      c('postal_code', t.string()),
      c('opened_date', t.date(), true),
      c('is_active', t.boolean()),
      ...audit(),
    ],
    primaryKey: ['polyclinic_code'],
    indexes: [['updated_at', 'polyclinic_code']],
  },
  conditions: {
    name: 'conditions',
    columns: [
      c('icd10_code', t.string()),
      c('description', t.string()),
      c('category', t.string()),
      c('is_chronic', t.boolean()),
      ...audit(),
    ],
    primaryKey: ['icd10_code'],
    indexes: [['updated_at', 'icd10_code']],
  },
  patients: {
    name: 'patients',
    columns: [
      c('patient_id', t.int64()),
      c('nric', t.string()),
      c('date_of_birth', t.date()),
      c('sex', t.string()),
      c('ethnicity', t.string()),
      c('postal_code', t.string(), true),
      c('home_polyclinic', t.string(), true),
      ...audit(),
    ],
    primaryKey: ['patient_id'],
    indexes: [['updated_at', 'patient_id']],
  },
  attendances: {
    name: 'attendances',
    columns: [
      c('attendance_id', t.int64()),
      c('patient_id', t.int64()),
      c('polyclinic_code', t.string()),
      c('visit_date', t.date()),
      c('arrival_time', t.timestamp()),
      c('visit_type', t.string()),
      c('triage_category', t.int32()),
      c('waiting_time_min', t.int32(), true),
      c('consultation_fee', t.decimal(10, 2)),
      ...audit(),
    ],
    primaryKey: ['attendance_id'],
    indexes: [['updated_at', 'attendance_id'], ['visit_date'], ['patient_id']],
  },
  diagnoses: {
    name: 'diagnoses',
    columns: [
      c('diagnosis_id', t.int64()),
      c('attendance_id', t.int64()),
      c('icd10_code', t.string()),
      c('diagnosis_rank', t.int32()),
      c('diagnosed_at', t.timestamp()),
      ...audit(),
    ],
    primaryKey: ['diagnosis_id'],
    indexes: [['updated_at', 'diagnosis_id'], ['attendance_id'], ['diagnosed_at']],
  },
  procedures: {
    name: 'procedures',
    columns: [
      c('procedure_id', t.int64()),
      c('attendance_id', t.int64()),
      c('procedure_code', t.string()),
      c('procedure_name', t.string()),
      c('performed_at', t.timestamp()),
      c('fee', t.decimal(10, 2)),
      ...audit(),
    ],
    primaryKey: ['procedure_id'],
    indexes: [['updated_at', 'procedure_id'], ['attendance_id'], ['performed_at']],
  },
  medications: {
    name: 'medications',
    columns: [
      c('medication_id', t.int64()),
      c('attendance_id', t.int64()),
      c('drug_code', t.string()),
      c('drug_name', t.string()),
      c('dose', t.string()),
      c('frequency', t.string()),
      c('quantity', t.int32()),
      c('duration_days', t.int32()),
      c('prescribed_at', t.timestamp()),
      ...audit(),
    ],
    primaryKey: ['medication_id'],
    indexes: [['updated_at', 'medication_id'], ['attendance_id'], ['prescribed_at']],
  },
  lab_results: {
    name: 'lab_results',
    columns: [
      c('lab_result_id', t.int64()),
      c('attendance_id', t.int64()),
      c('patient_id', t.int64()),
      c('test_code', t.string()),
      c('test_name', t.string()),
      c('result_value', t.decimal(12, 4), true),
      c('unit', t.string()),
      c('reference_low', t.decimal(12, 4), true),
      c('reference_high', t.decimal(12, 4), true),
      c('abnormal_flag', t.string(), true),
      c('collected_at', t.timestamp()),
      ...audit(),
    ],
    primaryKey: ['lab_result_id'],
    indexes: [['updated_at', 'lab_result_id'], ['attendance_id'], ['collected_at']],
  },
};
