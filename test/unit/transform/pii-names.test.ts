import { describe, expect, it } from 'vitest';
import { nameWords, piiCategory, piiColumns } from '../../../src/transform/pii-names.js';
import { TABLES } from '../../../src/synth/tables.js';

describe('default PII names', () => {
  it.each([
    ['name', 'name'],
    ['patient_name', 'name'],
    ['full_name', 'name'],
    ['first_name', 'name'],
    ['last_name', 'name'],
    ['surname', 'name'],
    ['nok_name', 'name'],
    ['emergency_contact_name', 'name'],
    ['PatientName', 'name'],
    ['contact_phone', 'phone'],
    ['mobile_no', 'phone'],
    ['phone_number', 'phone'],
    ['hp_no', 'phone'],
    ['contact_no', 'phone'],
    ['home_address', 'address'],
    ['address_line_1', 'address'],
    ['street', 'address'],
    ['email', 'email'],
    ['e_mail', 'email'],
    ['EmailAddress', 'email'],
    ['nric', 'identifier'],
    ['NRIC', 'identifier'],
    ['fin', 'identifier'],
    ['fin_no', 'identifier'],
    ['passport_no', 'identifier'],
    ['patient_id', 'identifier'],
    ['PatientID', 'identifier'],
    ['person_id', 'identifier'],
    ['mrn', 'identifier'],
    ['date_of_birth', 'birth_date'],
    ['dob', 'birth_date'],
    ['DOB', 'birth_date'],
    ['birth_date', 'birth_date'],
    ['birthdate', 'birth_date'],
    ['postal_code', 'postal_code'],
    ['postcode', 'postal_code'],
    ['zip', 'postal_code'],
  ])('flags %s as %s', (column, category) => {
    expect(piiCategory(column)).toBe(category);
  });

  it.each([
    'drug_name',
    'test_name',
    'procedure_name',
    'polyclinic_name',
    'clinic_name',
    'attendance_id',
    'diagnosis_id',
    'lab_result_id',
    'polyclinic_code',
    'icd10_code',
    'visit_date',
    'home_polyclinic',
    'fin_year',
    'birth_weight',
    'cell_count',
    'patient_type',
    'ethnicity',
    'sex',
    'created_at',
    'updated_at',
    'description',
    'unit',
    'hpv_result',
  ])('does not flag %s', (column) => {
    expect(piiCategory(column)).toBeUndefined();
  });

  it('splits names into words by case, separators and camel humps', () => {
    expect(nameWords('patientFullName')).toEqual(['patient', 'full', 'name']);
    expect(nameWords('PATIENT-NAME')).toEqual(['patient', 'name']);
    expect(nameWords('address.line2')).toEqual(['address', 'line2']);
  });

  it('unions explicit pii_columns with default matches, without repeats', () => {
    expect(piiColumns(['ethnicity', 'nric'], ['patient_id', 'nric', 'ethnicity', 'sex', 'dob'])).toEqual([
      'ethnicity',
      'nric',
      'patient_id',
      'dob',
    ]);
  });

  it('flags the identities in the synthetic MOH tables consistently across sources', () => {
    const flagged = Object.fromEntries(
      Object.values(TABLES).map((t) => [
        t.name,
        piiColumns(
          [],
          t.columns.map((c) => c.name),
        ),
      ]),
    );
    expect(flagged).toEqual({
      polyclinics: ['name', 'postal_code'], // the clinic's: kept explicitly under deidentified
      conditions: [],
      patients: ['patient_id', 'nric', 'date_of_birth', 'postal_code'],
      attendances: ['patient_id'],
      diagnoses: [],
      procedures: [],
      medications: [],
      lab_results: ['patient_id'],
    });
  });
});
