/** The transform section's schema and the rules checked at config load. */
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import {
  transformRules,
  transformSchema,
  type TransformConfig,
} from '../../../src/config/transform-schema.js';
import { transform } from './fixtures.js';

const SOURCES = {
  patients: { pii_columns: ['nric', 'date_of_birth', 'postal_code'] },
  attendances: { pii_columns: ['patient_id'] },
  diagnoses: { pii_columns: [] },
};

function problems(config: TransformConfig): { path: string; message: string }[] {
  const out: { path: string; message: string }[] = [];
  transformRules(config, SOURCES, (path, message) => out.push({ path: path.join('.'), message }));
  return out;
}

describe('transformSchema', () => {
  it('parses the documented example and fills defaults', () => {
    const config = transform({
      profile: 'deidentified',
      sources: {
        patients: {
          steps: [
            { step: 'trim' },
            { step: 'nulls', columns: ['ethnicity'], values: ['', 'N/A', 'NA', '-'] },
            { step: 'case', columns: ['sex'], to: 'upper' },
            { step: 'map', column: 'sex', values: { MALE: 'M', FEMALE: 'F' }, other: 'keep' },
          ],
          pii: {
            patient_id: 'pseudonymise',
            nric: 'pseudonymise',
            date_of_birth: { generalise: 'year' },
            postal_code: { generalise: 'sector' },
          },
        },
        attendances: {
          steps: [
            { step: 'derive', kind: 'age', name: 'age_at_visit', from: 'date_of_birth', at: 'visit_date' },
            { step: 'derive', kind: 'epi_week', name: 'visit_epi_week', from: 'visit_date' },
          ],
          pii: { patient_id: 'pseudonymise' },
        },
        diagnoses: { steps: [{ step: 'icd10', columns: ['icd10_code'], style: 'dotted' }] },
      },
    });
    expect(config.pseudonym_key_env).toBe('MOH_PSEUDONYM_KEY');
    expect(config.sources.attendances!.steps[1]).toEqual({
      step: 'derive',
      kind: 'epi_week',
      name: 'visit_epi_week',
      from: 'visit_date',
      system: 'mmwr',
    });
    expect(config.sources.diagnoses!.pii).toEqual({});
    expect(problems(config)).toEqual([]);
    expect(transform({})).toEqual({
      profile: 'internal',
      pseudonym_key_env: 'MOH_PSEUDONYM_KEY',
      sources: {},
    });
  });

  it('rejects an unknown step kind, a derive kind, a policy and an option of another step', () => {
    const issues = (section: unknown) =>
      transformSchema.safeParse(section).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(issues({ sources: { s: { steps: [{ step: 'uppercase' }] } } })).toEqual([
      'sources.s.steps.0.step: expected a step: trim, nulls, case, map, icd10 or derive',
    ]);
    expect(issues({ sources: { s: { steps: [{ step: 'derive', kind: 'bmi', name: 'b' }] } } })).toEqual([
      'sources.s.steps.0.kind: expected a derived column kind: age or epi_week',
    ]);
    expect(issues({ sources: { s: { pii: { nric: 'hash' } } } })?.[0]).toMatch(
      /^sources\.s\.pii\.nric: expected drop/,
    );
    expect(issues({ sources: { s: { steps: [{ step: 'trim', to: 'upper' }] } } })).toEqual([
      'sources.s.steps.0: Unrecognized key: "to"',
    ]);
    expect(issues({ profile: 'public' })?.[0]).toMatch(/^profile:/);
  });
});

describe('transform JSON Schema', () => {
  it('generates, with the documented defaults and descriptions', () => {
    const schema = z.toJSONSchema(transformSchema, { io: 'input' }) as {
      properties: Record<string, { default?: unknown; description?: string }>;
    };
    expect(schema.properties.profile!.default).toBe('internal');
    expect(schema.properties.pseudonym_key_env!.description).toMatch(/^NAME of the environment variable/);
  });
});

describe('transformRules', () => {
  it('refuses a transform for a source that is not configured', () => {
    expect(problems(transform({ sources: { patient: {} } }))).toEqual([
      {
        path: 'transform.sources.patient',
        message: 'unknown source "patient" (defined: patients, attendances, diagnoses)',
      },
    ]);
  });

  it('in profile deidentified, needs a policy other than keep for every pii_columns entry', () => {
    const config = transform({
      profile: 'deidentified',
      sources: { patients: { pii: { nric: 'keep', date_of_birth: 'drop' } } },
    });
    expect(problems(config)).toEqual([
      {
        path: 'transform.sources.patients.pii.nric',
        message:
          'profile deidentified: source "patients" may not keep "nric", which it lists in pii_columns (drop, pseudonymise or generalise it)',
      },
      {
        path: 'transform.sources.patients.pii',
        message:
          'profile deidentified: source "patients" lists "postal_code" in pii_columns but gives it no policy (drop, pseudonymise or generalise)',
      },
      {
        path: 'transform.sources.attendances.pii',
        message:
          'profile deidentified: source "attendances" lists "patient_id" in pii_columns but gives it no policy (drop, pseudonymise or generalise)',
      },
    ]);
    expect(problems(transform({ sources: { patients: { pii: { nric: 'keep' } } } }))).toEqual([]);
  });

  it('refuses a key pasted where the variable name belongs, without echoing it', () => {
    const pasted = 'ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12';
    for (const value of [pasted, pasted.toUpperCase().replace(/^\d+/, ''), 'MOH PSEUDONYM KEY', '${KEY}']) {
      const found = problems(transform({ pseudonym_key_env: value }));
      expect(found).toHaveLength(1);
      expect(found[0]!.path).toBe('transform.pseudonym_key_env');
      expect(found[0]!.message).not.toContain(value);
    }
    expect(problems(transform({ pseudonym_key_env: 'CLUSTER_A_PSEUDONYM_KEY' }))).toEqual([]);
  });
});
