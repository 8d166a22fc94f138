/**
 * The `validation:` section of config/database.yml: run settings plus, per source, a list of checks.
 * Every check is a strict object discriminated by `check:`, so a misspelt option, or an option that
 * belongs to another kind (`values:` on a range check), is an error naming its key path.
 */
import * as z from 'zod';
import { DAY, directorySchema, durationSchema, nameSchema } from './fields.js';

const identifier = nameSchema;

const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;

/** A count (`5`) or a percentage (`"0.5%"`) of the check's denominator. */
export const thresholdSchema = z
  .union([z.int().min(0), z.string().regex(/^\d+(\.\d+)?%$/, { error: 'expected a count or "N%"' })], {
    error: 'expected a count (e.g. 10) or a percentage (e.g. "0.5%")',
  })
  .meta({ description: 'A count of failing rows, or a percentage of the denominator such as "0.5%".' });

export const SEVERITIES = ['critical', 'error', 'warn', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

const common = {
  name: identifier.optional().meta({ description: 'Name shown in reports. Default: kind(column).' }),
  description: z.string().optional(),
  severity: z.enum(SEVERITIES).default('error').meta({
    description:
      'critical stops the pipeline (exit 3); error fails the command (exit 1); warn and info only report.',
  }),
  warn: thresholdSchema.optional().meta({ description: 'Report a warning above this many failing rows.' }),
  fail: thresholdSchema
    .default(0)
    .meta({ description: 'The check fails above this many failing rows. Default 0.' }),
  denominator: z.enum(['rows', 'non_null']).default('rows').meta({
    description:
      'What a percentage threshold is a share of: every row in range, or rows where the column is not NULL.',
  }),
};

/** Whether a NULL counts as a failure of a value check (it is always counted and reported either way). */
const nulls = z.enum(['ignore', 'fail']).default('ignore').meta({
  description:
    'ignore: a NULL is not a failure of this check (it is still counted and reported); fail: it is.',
});

const value = z.union([z.string(), z.number(), z.boolean()]);
const bound = z.union([z.number(), z.string().regex(ISO_DAY, { error: 'expected a number or YYYY-MM-DD' })]);
const duration = durationSchema(36_500 * DAY);

const rowCount = z.strictObject({
  check: z.literal('row_count'),
  ...common,
  min: z.int().min(0).optional(),
  max: z.int().min(0).optional(),
  reconcile: z.boolean().default(true).meta({
    description: 'After an extraction, compare the rows written with a COUNT over the same range.',
  }),
  anomaly: z
    .strictObject({
      window: z
        .int()
        .min(1)
        .max(365)
        .default(7)
        .meta({ description: 'Trailing runs whose median is compared.' }),
      min_history: z.int().min(1).default(3).meta({ description: 'Runs needed before the check applies.' }),
      warn: z
        .number()
        .min(0)
        .default(0.5)
        .meta({ description: 'Relative deviation from the median that warns.' }),
      fail: z.number().min(0).optional().meta({ description: 'Relative deviation that fails.' }),
    })
    .optional(),
});

const notNull = z.strictObject({
  check: z.literal('not_null'),
  ...common,
  columns: z.array(identifier).min(1),
});

const dates = z.strictObject({
  check: z.literal('dates'),
  ...common,
  column: identifier,
  nulls,
  not_future: duration.optional().meta({
    description: 'Fail a value later than now (in validation.timezone) plus this tolerance, e.g. "1d".',
  }),
  min: z.string().regex(ISO_DAY, { error: 'expected YYYY-MM-DD' }).optional(),
  max: z.string().regex(ISO_DAY, { error: 'expected YYYY-MM-DD' }).optional(),
  not_before: identifier.optional().meta({ description: 'Another column this one must not precede.' }),
});

const unique = z.strictObject({
  check: z.literal('unique'),
  ...common,
  columns: z.array(identifier).min(1),
});

const references = z.strictObject({
  check: z.literal('references'),
  ...common,
  column: identifier,
  nulls,
  source: identifier.meta({
    description: 'The referenced source (same connection: checked by an anti-join).',
  }),
  key: identifier
    .optional()
    .meta({ description: 'Column of the referenced source. Default: its primary key.' }),
});

const type = z.strictObject({
  check: z.literal('type'),
  ...common,
  columns: z
    .record(
      identifier,
      z.enum(['int32', 'int64', 'decimal', 'float64', 'boolean', 'string', 'date', 'timestamp']),
    )
    .optional()
    .meta({
      description:
        'Expected canonical kind per column; values must convert to it. Default: every column against its own type.',
    }),
});

const range = z.strictObject({
  check: z.literal('range'),
  ...common,
  column: identifier,
  nulls,
  min: bound.optional(),
  max: bound.optional(),
});

const acceptedValues = z.strictObject({
  check: z.literal('accepted_values'),
  ...common,
  column: identifier,
  nulls,
  values: z.array(value).min(1),
});

const pattern = z.strictObject({
  check: z.literal('pattern'),
  ...common,
  column: identifier,
  nulls,
  regex: z.string().refine(compiles, { error: 'expected a valid regular expression' }),
});

export const checkSchema = z.discriminatedUnion(
  'check',
  [rowCount, notNull, dates, unique, references, type, range, acceptedValues, pattern],
  {
    error:
      'expected a check: row_count, not_null, dates, unique, references, type, range, accepted_values or pattern',
  },
);

export const validationSchema = z.strictObject({
  stop_on_critical: z.boolean().default(true).meta({
    description: 'A failed critical check stops the pipeline before anything is loaded (exit 3).',
  }),
  report_dir: directorySchema.default('results/validation'),
  metrics_dir: directorySchema
    .default('results/metrics')
    .meta({ description: 'Per-run metrics (JSON lines) for anomaly checks.' }),
  sample_rows: z.int().min(0).max(1000).default(20).meta({ description: 'Failing rows kept per check.' }),
  timezone: z
    .string()
    .refine(isTimeZone, { error: 'expected an IANA time zone such as "Asia/Singapore"' })
    .optional()
    .meta({ description: 'Time zone of "now" in date checks. Default: extraction.timezone.' }),
  mask_columns: z
    .array(identifier)
    .default(['nric', 'patient_name', 'full_name', 'date_of_birth', 'postal_code'])
    .meta({ description: 'Masked in failing-row samples, in addition to each source’s pii_columns.' }),
  html: z.boolean().default(true).meta({ description: 'Also write a single-file HTML report per run.' }),
  sources: z.record(identifier, z.array(checkSchema)).default({}).meta({
    description: 'Checks per source.',
  }),
});

export type ValidationConfig = z.output<typeof validationSchema>;
export type CheckConfig = z.output<typeof checkSchema>;
export type Threshold = z.output<typeof thresholdSchema>;

function compiles(re: string): boolean {
  try {
    new RegExp(re);
    return true;
  } catch {
    return false;
  }
}

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** The slice of the config the cross-reference rules read. */
interface RulesInput {
  sources: Record<string, { primary_key: string[]; connection: string }>;
  validation: ValidationConfig;
}

/**
 * Cross-references a schema cannot express: checks are declared for configured sources, and a
 * references check names a configured source on the same connection (it runs as an anti-join in
 * that database). `at(path, message)` records a problem at a key path.
 */
export function validationRules(config: RulesInput, at: (path: string[], message: string) => void): void {
  const names = Object.keys(config.sources);
  for (const [source, checks] of Object.entries(config.validation.sources)) {
    const own = config.sources[source];
    if (!own) {
      at(['validation', 'sources', source], `unknown source "${source}" (defined: ${names.join(', ')})`);
      continue;
    }
    checks.forEach((c, i) => {
      if (c.check !== 'references') return;
      const where = ['validation', 'sources', source, String(i), 'source'];
      const target = config.sources[c.source];
      if (!target) at(where, `unknown source "${c.source}" (defined: ${names.join(', ')})`);
      else if (target.connection !== own.connection)
        at(
          where,
          `"${c.source}" is on connection "${target.connection}", not "${own.connection}": references are checked inside one database`,
        );
      else if (!c.key && target.primary_key.length !== 1)
        at(
          [...where.slice(0, -1), 'key'],
          `"${c.source}" has a composite primary key: name the referenced column with key:`,
        );
    });
  }
}
