/**
 * Canary personal data: a source table whose PII columns hold distinctive made-up values (names,
 * phone numbers, addresses, e-mails, NRICs, dates of birth), so that any copy of them outside the
 * raw extract can be found by plain search. Each value is unique per row and carries a fragment no
 * other data has (`Quillfeather`, `Canarywharf`, `quill.canary`, 1903), and the needles searched for
 * are the values themselves and those fragments, case-insensitively.
 */
import type { DbConnection } from '../databases.js';
import { execSql } from '../exec-sql.js';
import { insertRows, openClient } from '../sql.js';

export const CANARY_TABLE = 'clinic_contacts';
/** The PII columns of the table, each given a policy by the canary project. */
export const PII_COLUMNS = [
  'patient_name',
  'contact_phone',
  'home_address',
  'email',
  'nric',
  'date_of_birth',
];
const COLUMNS = [
  'record_id',
  ...PII_COLUMNS,
  'polyclinic_code',
  'visit_date',
  'fee',
  'remarks',
  'updated_at',
] as const;

export interface CanaryRow {
  record_id: number;
  patient_name: string;
  contact_phone: string;
  home_address: string;
  email: string;
  nric: string;
  date_of_birth: string;
}

export function canaryRows(n: number): CanaryRow[] {
  return Array.from({ length: n }, (_, i) => ({
    record_id: i + 1,
    patient_name: `Zebedee Quillfeather-${String.fromCharCode(65 + (i % 26))}${i}`,
    contact_phone: `+65 8271 ${9300 + i}`,
    // Pairs of rows share an address: a uniqueness check then has duplicates to sample.
    home_address: `${Math.floor(i / 2) + 1} Canarywharf Lorong Zzyzx #07-${String(Math.floor(i / 2)).padStart(2, '0')}`,
    email: `quill.canary${i}@example.test`,
    // NRIC-shaped (S, 7 digits, a letter): what the alert scrubber looks for, and what people type.
    nric: `S${String(9_417_000 + i * 37).padStart(7, '0')}${String.fromCharCode(65 + ((i * 7) % 26))}`,
    date_of_birth: `1903-${String(1 + (i % 12)).padStart(2, '0')}-${String(1 + (i % 28)).padStart(2, '0')}`,
  }));
}

/** What must appear nowhere but in the raw extract: every value, and the fragments they share. */
export function needles(rows: readonly CanaryRow[]): string[] {
  const values = rows.flatMap((r) => [
    r.patient_name,
    r.contact_phone,
    r.contact_phone.replace(/[^0-9]/g, ''), // the number as digits only
    r.home_address,
    r.email,
    r.nric,
    r.date_of_birth,
  ]);
  return [...new Set(['Quillfeather', 'Canarywharf', 'quill.canary', '+65 8271', ...values])];
}

/** Create the canary table on `conn` and fill it (one polyclinic, one visit day, small fees). */
export async function createCanaryTable(conn: DbConnection, rows: readonly CanaryRow[]): Promise<void> {
  const pg = conn.dialect === 'postgres';
  await execSql(conn, [
    `CREATE TABLE ${CANARY_TABLE} (
       record_id ${pg ? 'BIGINT' : 'INTEGER'} PRIMARY KEY,
       patient_name TEXT, contact_phone TEXT, home_address TEXT, email TEXT, nric TEXT,
       date_of_birth DATE, polyclinic_code TEXT, visit_date DATE, fee NUMERIC(10,2), remarks TEXT,
       updated_at ${pg ? 'timestamptz(6)' : 'TIMESTAMPTZ'} NOT NULL)`,
  ]);
  const db = await openClient(conn);
  try {
    await insertRows(
      db,
      CANARY_TABLE,
      COLUMNS,
      rows.map((r, i) => [
        r.record_id,
        r.patient_name,
        r.contact_phone,
        r.home_address,
        r.email,
        r.nric,
        r.date_of_birth,
        'P01',
        '2025-03-01',
        (10 + i).toFixed(2),
        'routine review',
        `2025-03-01T08:${String(Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}.000000Z`,
      ]),
    );
  } finally {
    await db.close();
  }
}
