/** Mistakes found at compile time, before any row is read: typed, exit 2, naming source, step and column. */
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/errors.js';
import { t } from '../../../src/schema/column-types.js';
import { compileTransform, requiresPseudonymKey } from '../../../src/transform/compile.js';
import { PseudonymKeyError, TransformConfigError } from '../../../src/transform/errors.js';
import { KEY, PATIENTS, col, compile, thrown, transform } from './fixtures.js';

function configError(f: () => unknown): TransformConfigError {
  const e = thrown(f);
  expect(e).toBeInstanceOf(TransformConfigError);
  expect((e as TransformConfigError).exitCode).toBe(ExitCode.UsageError);
  expect((e as TransformConfigError).retryable).toBe(false);
  return e as TransformConfigError;
}

describe('compileTransform refuses', () => {
  it('a text step on a non-text column', () => {
    const e = configError(() =>
      compile(PATIENTS, { steps: [{ step: 'trim', columns: ['sex', 'date_of_birth'] }] }),
    );
    expect(e.message).toBe(
      'transform of source "s", steps[0] (trim), column "date_of_birth": expected a string column, found date',
    );
    expect(e.path).toEqual(['transform', 'sources', 's', 'steps', '0', 'columns', '1']);
    expect(e.toProblem('config/database.yml', 12)).toEqual({
      file: 'config/database.yml',
      line: 12,
      path: 'transform.sources.s.steps.0.columns.1',
      message: 'column "date_of_birth": expected a string column, found date',
    });
    for (const step of [
      { step: 'case', columns: ['patient_id'], to: 'upper' },
      { step: 'nulls', columns: ['patient_id'] },
      { step: 'map', column: 'patient_id', values: {} },
      { step: 'icd10', columns: ['patient_id'] },
    ]) {
      expect(configError(() => compile(PATIENTS, { steps: [step] })).column).toBe('patient_id');
    }
  });

  it('a column the query does not return, listing the ones it does', () => {
    const e = configError(() =>
      compile(PATIENTS, { steps: [{ step: 'map', column: 'gender', values: {} }] }),
    );
    expect(e.message).toContain('column "gender": no such column here (columns: patient_id, nric,');
    expect(configError(() => compile(PATIENTS, { pii: { ic_number: 'drop' } })).step).toBe('pii (drop)');
  });

  it('a derived column that is not from dates, or whose name is taken', () => {
    const age = { step: 'derive', kind: 'age', name: 'age', from: 'date_of_birth', at: 'sex' };
    expect(configError(() => compile(PATIENTS, { steps: [age] })).message).toContain(
      'column "sex": expected a date or timestamp column, found string',
    );
    const taken = { step: 'derive', kind: 'epi_week', name: 'sex', from: 'date_of_birth' };
    expect(configError(() => compile(PATIENTS, { steps: [taken] })).path.at(-1)).toBe('name');
  });

  it('a generalisation or pseudonymisation the column type cannot take', () => {
    expect(configError(() => compile(PATIENTS, { pii: { nric: { generalise: 'year' } } })).message).toContain(
      'pii (generalise: year), column "nric": expected a date or timestamp column, found string',
    );
    expect(
      configError(() => compile(PATIENTS, { pii: { date_of_birth: { generalise: 'sector' } } })).column,
    ).toBe('date_of_birth');
    const flags = [col('is_diabetic', t.boolean())];
    expect(configError(() => compile(flags, { pii: { is_diabetic: 'pseudonymise' } })).message).toContain(
      'drop it instead',
    );
  });

  it('a missing or short key when a policy pseudonymises, before any row', () => {
    const e = thrown(() => compile(PATIENTS, { pii: { nric: 'pseudonymise' } }, { env: {} }));
    expect(e).toBeInstanceOf(PseudonymKeyError);
    expect((e as PseudonymKeyError).exitCode).toBe(ExitCode.UsageError);
    expect(e.message).toContain('MOH_PSEUDONYM_KEY is not set');
    // No pseudonymise policy: no key needed.
    expect(() => compile(PATIENTS, { pii: { nric: 'drop' } }, { env: {} })).not.toThrow();
  });

  it('never puts the key in an error, even when the key is set', () => {
    const e = configError(() => compile(PATIENTS, { pii: { nric: 'pseudonymise', dob: 'drop' } }));
    expect(`${e.message} ${e.hint} ${JSON.stringify(e)} ${inspect(e)}`).not.toContain(KEY);
  });

  it('reads the key from the variable the config names', () => {
    const config = transform({
      pseudonym_key_env: 'ETL_KEY',
      sources: { s: { pii: { nric: 'pseudonymise' } } },
    });
    const compileWith = (env: Record<string, string>) =>
      compileTransform({ source: 's', config, columns: PATIENTS, env });
    expect(thrown(() => compileWith({ MOH_PSEUDONYM_KEY: 'x'.repeat(40) })).message).toContain(
      'ETL_KEY is not set',
    );
    expect(() => compileWith({ ETL_KEY: 'x'.repeat(40) })).not.toThrow();
  });
});

describe('profile deidentified at compile time', () => {
  const deid = { profile: 'deidentified' };
  const full = {
    pii: {
      patient_id: 'pseudonymise',
      nric: 'pseudonymise',
      date_of_birth: { generalise: 'year' },
      postal_code: 'drop',
    },
  };

  it('passes when every PII column has a policy', () => {
    expect(compile(PATIENTS, full, { ...deid, pii_columns: ['nric', 'date_of_birth'] }).columns).toHaveLength(
      5,
    );
  });

  it('refuses a default-list column without a policy, naming source and column', () => {
    const { postal_code: _, ...others } = full.pii;
    const e = configError(() => compile(PATIENTS, { pii: others }, deid));
    expect(e.column).toBe('postal_code');
    expect(e.message).toContain('source "s"');
    expect(e.message).toContain('looks like personal data');
  });

  it('refuses a pii_columns entry without a policy, or kept', () => {
    expect(configError(() => compile(PATIENTS, full, { ...deid, pii_columns: ['ethnicity'] })).column).toBe(
      'ethnicity',
    );
    const kept = configError(() =>
      compile(PATIENTS, { pii: { ...full.pii, nric: 'keep' } }, { ...deid, pii_columns: ['nric'] }),
    );
    expect(kept.message).toContain('may not be kept');
    expect(kept.path).toEqual(['transform', 'sources', 's', 'pii', 'nric']);
  });

  it('accepts an explicit keep of a default-list match (a polyclinic’s name)', () => {
    const polyclinics = [col('polyclinic_code'), col('name'), col('postal_code')];
    expect(() => compile(polyclinics, {}, deid)).toThrow(TransformConfigError);
    const tr = compile(polyclinics, { pii: { name: 'keep', postal_code: 'keep' } }, deid);
    expect(tr.identity).toBe(true);
  });

  it('refuses a source without any transform section that returns PII columns', () => {
    const config = transform({ profile: 'deidentified' });
    const e = thrown(() => compileTransform({ source: 'patients', config, columns: PATIENTS, env: {} }));
    expect(e).toBeInstanceOf(TransformConfigError);
    expect(e.message).toContain('source "patients"');
    const clean = [col('icd10_code'), col('description')];
    expect(compileTransform({ source: 'conditions', config, columns: clean, env: {} }).identity).toBe(true);
  });

  it('judges the columns present after the steps: a PII column dropped by policy needs nothing else', () => {
    const columns = [col('dob', t.date()), col('visit_date', t.date())];
    const tr = compile(
      columns,
      {
        steps: [{ step: 'derive', kind: 'age', name: 'age', from: 'dob', at: 'visit_date' }],
        pii: { dob: 'drop' },
      },
      deid,
    );
    expect(tr.columns.map((c) => c.name)).toEqual(['visit_date', 'age']);
  });
});

describe('requiresPseudonymKey', () => {
  it('is true only for a source with a pseudonymise policy', () => {
    const config = transform({
      sources: {
        a: { pii: { nric: 'pseudonymise' } },
        b: { pii: { nric: 'drop', dob: { generalise: 'year' } } },
      },
    });
    expect(requiresPseudonymKey(config, 'a')).toBe(true);
    expect(requiresPseudonymKey(config, 'b')).toBe(false);
    expect(requiresPseudonymKey(config, 'other')).toBe(false);
  });
});
