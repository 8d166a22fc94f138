/**
 * The `transform:` section of config/database.yml: per source, cleaning steps in order, then a PII
 * policy per column. Steps are strict objects discriminated by `step:` (derived columns also by
 * `kind:`), so an unknown step, or an option of another step, is an error with its key path.
 * Column names and types can only be checked against the query's columns: compileTransform does
 * that before any row is read.
 */
import * as z from 'zod';
import { nameSchema } from './fields.js';

/** Shortest accepted pseudonymisation key, in characters (32 hex characters are 128 bits). */
export const MIN_KEY_LENGTH = 32;
export const EPI_WEEK_SYSTEMS = ['mmwr', 'iso'] as const;
export type EpiWeekSystem = (typeof EPI_WEEK_SYSTEMS)[number];
export const ICD10_STYLES = ['dotted', 'undotted'] as const;
export type Icd10Style = (typeof ICD10_STYLES)[number];

const identifier = nameSchema;
const columns = z.array(identifier).min(1);

const trim = z.strictObject({
  step: z.literal('trim'),
  columns: columns.optional().meta({
    description: 'Text columns to trim (Unicode white space at both ends). Default: every text column.',
  }),
});

const nulls = z.strictObject({
  step: z.literal('nulls'),
  columns: columns.optional().meta({ description: 'Text columns to clean. Default: every text column.' }),
  values: z
    .array(z.string())
    .min(1)
    .default(['', 'N/A'])
    .meta({ description: 'Values that mean "no value" and become NULL. Default: "" and "N/A".' }),
  ignore_case: z.boolean().default(true).meta({ description: 'Match "n/a" as "N/A". Default true.' }),
});

const caseStep = z.strictObject({
  step: z.literal('case'),
  columns,
  to: z.enum(['upper', 'lower']).meta({ description: 'Locale-independent upper or lower case.' }),
});

const other = z.enum(['keep', 'null']).default('keep').meta({
  description:
    'What happens to a value that is not recognised: keep it unchanged, or make it NULL (counted).',
});

const map = z.strictObject({
  step: z.literal('map'),
  column: identifier,
  values: z
    .record(z.string(), z.string().nullable())
    .meta({ description: 'Exact value → replacement (null for NULL), e.g. { Male: M, Female: F }.' }),
  other,
});

const icd10 = z.strictObject({
  step: z.literal('icd10'),
  columns,
  style: z
    .enum(ICD10_STYLES)
    .default('dotted')
    .meta({ description: 'dotted: E11.9; undotted: E119. Default dotted.' }),
  other,
});

const derivedName = identifier.meta({ description: 'Name of the new column (must not exist yet).' });

const deriveAge = z
  .strictObject({
    step: z.literal('derive'),
    kind: z.literal('age'),
    name: derivedName,
    from: identifier.meta({ description: 'Date or timestamp of birth.' }),
    at: identifier.meta({ description: 'Date or timestamp the age is taken at (e.g. visit_date).' }),
  })
  .meta({ description: 'Completed years (int32) from `from` to `at`; NULL if either is NULL.' });

const deriveEpiWeek = z
  .strictObject({
    step: z.literal('derive'),
    kind: z.literal('epi_week'),
    name: derivedName,
    from: identifier.meta({ description: 'Date or timestamp column.' }),
    system: z
      .enum(EPI_WEEK_SYSTEMS)
      .default('mmwr')
      .meta({ description: 'mmwr: weeks Sunday–Saturday; iso: Monday–Sunday. Default mmwr.' }),
  })
  .meta({ description: 'Epidemiological week as text "YYYY-Www".' });

const derive = z.discriminatedUnion('kind', [deriveAge, deriveEpiWeek], {
  error: 'expected a derived column kind: age or epi_week',
});

export const transformStepSchema = z.discriminatedUnion('step', [trim, nulls, caseStep, map, icd10, derive], {
  error: 'expected a step: trim, nulls, case, map, icd10 or derive',
});

export const GENERALISATIONS = ['year', '5y_band', 'month', 'sector'] as const;
export type Generalisation = (typeof GENERALISATIONS)[number];

export const piiPolicySchema = z
  .union(
    [
      z.enum(['drop', 'pseudonymise', 'keep']),
      z.strictObject({
        generalise: z.enum(GENERALISATIONS).meta({
          description:
            'year (int32), 5y_band ("1985-1989") or month ("YYYY-MM") of a date; sector: first two digits of a postal code.',
        }),
      }),
    ],
    { error: 'expected drop, pseudonymise, keep or { generalise: year | 5y_band | month | sector }' },
  )
  .meta({ description: 'What happens to a PII column after the steps.' });

const sourceTransform = z.strictObject({
  steps: z.array(transformStepSchema).default([]).meta({ description: 'Cleaning steps, in order.' }),
  pii: z.record(identifier, piiPolicySchema).default({}).meta({
    description: 'Policy per column, applied after every step (a derived column may use a dropped one).',
  }),
});

export const TRANSFORM_PROFILES = ['internal', 'deidentified'] as const;
export type TransformProfile = (typeof TRANSFORM_PROFILES)[number];

export const transformSchema = z.strictObject({
  profile: z.enum(TRANSFORM_PROFILES).default('internal').meta({
    description:
      'deidentified: every PII column (pii_columns and the default name list) needs a policy, and pii_columns may not be kept.',
  }),
  pseudonym_key_env: z
    .string()
    .default('MOH_PSEUDONYM_KEY')
    .meta({
      description: `NAME of the environment variable holding the pseudonymisation key (at least ${MIN_KEY_LENGTH} characters); never the key itself.`,
    }),
  sources: z.record(identifier, sourceTransform).default({}).meta({ description: 'Transform per source.' }),
});

export type TransformConfig = z.output<typeof transformSchema>;
export type SourceTransformConfig = z.output<typeof sourceTransform>;
export type TransformStepConfig = z.output<typeof transformStepSchema>;
export type DeriveStepConfig = z.output<typeof derive>;
export type PiiPolicy = z.output<typeof piiPolicySchema>;

/**
 * An environment variable name: shorter than a valid key can be, so a key pasted here by mistake is
 * refused, and the error about it can never echo it.
 */
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Rules a schema cannot express. `at(path, message)` records a problem at a key path (under
 * `transform`). Messages never repeat a value from `pseudonym_key_env`.
 */
export function transformRules(
  config: TransformConfig,
  sources: Record<string, { pii_columns: string[] }>,
  at: (path: string[], message: string) => void,
): void {
  const name = config.pseudonym_key_env;
  if (!VARIABLE_NAME.test(name) || name.length >= MIN_KEY_LENGTH) {
    at(
      ['transform', 'pseudonym_key_env'],
      `expected the NAME of an environment variable (letters, digits and _, under ${MIN_KEY_LENGTH} characters), not the key itself`,
    );
  }
  const defined = Object.keys(sources);
  for (const source of Object.keys(config.sources)) {
    if (!Object.hasOwn(sources, source)) {
      at(
        ['transform', 'sources', source],
        `unknown source "${source}" (defined: ${defined.join(', ') || '(none)'})`,
      );
    }
  }
  if (config.profile !== 'deidentified') return;
  for (const [source, { pii_columns }] of Object.entries(sources)) {
    const pii = config.sources[source]?.pii ?? {};
    for (const column of pii_columns) {
      const policy = pii[column];
      if (policy === undefined) {
        at(
          ['transform', 'sources', source, 'pii'],
          `profile deidentified: source "${source}" lists "${column}" in pii_columns but gives it no policy (drop, pseudonymise or generalise)`,
        );
      } else if (policy === 'keep') {
        at(
          ['transform', 'sources', source, 'pii', column],
          `profile deidentified: source "${source}" may not keep "${column}", which it lists in pii_columns (drop, pseudonymise or generalise it)`,
        );
      }
    }
  }
}
