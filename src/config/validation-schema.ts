/**
 * The `validation:` section of config/database.yml: run settings plus, per source, a list of checks.
 * Every check is a strict object discriminated by `check:`, so a misspelt option, or an option that
 * belongs to another kind (`values:` on a range check), is an error naming its key path.
 *
 * Scopes: what a check looks at, and so when it runs. Decided for issue "quiet nights are not
 * failures":
 * - `scope: increment` (the default) checks the rows this run extracted, in the source database:
 *   after `run`, exactly the extracted increment, date range or full extraction; for the standalone
 *   `validate` command, the whole source or its --start-date/--end-date range. An EMPTY increment
 *   (an incremental run that found no new or changed rows) is a success: every increment check
 *   reports `skipped` ("the increment was empty") and the source's verdict is ok, because "nothing
 *   happened since last night" is not a data-quality failure. Such a run is recorded in the metrics
 *   history as empty, and the row_count anomaly check never uses it as a data point (a run of quiet
 *   nights would drag the median to 0 and make the next normal day look anomalous).
 * - `scope: dataset` checks the processed dataset (data/processed/<source>, its current version)
 *   after the load, in DuckDB over its Parquet files. "The table must not be empty" belongs here
 *   (`row_count` with `min: 1`): an empty increment is normal, an empty dataset is not. Kinds that
 *   run at dataset scope: DATASET_KINDS (a `type` check is refused there: the load casts every
 *   column to its declared type, so there is nothing left for it to find).
 * - `freshness` is the signal for a dead feed: the age of MAX(column) against warn_after /
 *   error_after / critical_after, like dbt's source freshness. At increment scope the maximum is
 *   taken over the WHOLE source query, not the increment (an empty increment has no maximum, and
 *   the question is how old the newest row of the source is); at dataset scope over the dataset.
 *   A date means the end of that day, a naive timestamp is read in the source's `timezone`
 *   (default extraction.timezone). No value at all (no rows, or only NULLs) fails at the highest
 *   configured threshold.
 */
import * as z from 'zod';
import { parseDuration } from './duration.js';
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

/** increment: the rows this run extracted (or the source, for `validate`); dataset: the processed dataset. */
export const CHECK_SCOPES = ['increment', 'dataset'] as const;
export type CheckScopeName = (typeof CHECK_SCOPES)[number];

const scope = z.enum(CHECK_SCOPES).default('increment').meta({
  description:
    'increment (default): the rows this run extracted (validate: the whole source or its date range), skipped when an incremental run found nothing new; dataset: the processed dataset after the load.',
});

/** Who a check is and when it runs: shared by every kind, freshness included. */
const identity = {
  name: identifier.optional().meta({ description: 'Name shown in reports. Default: kind(column).' }),
  description: z.string().optional(),
  scope,
};

const common = {
  ...identity,
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

/** The thresholds of a freshness check, lowest first: each is the severity its crossing has. */
export const FRESHNESS_LEVELS = [
  { key: 'warn_after', severity: 'warn' },
  { key: 'error_after', severity: 'error' },
  { key: 'critical_after', severity: 'critical' },
] as const;

const age = (what: string) =>
  duration.optional().meta({ description: `${what} when the newest value is older than this, e.g. "2d".` });

const freshness = z
  .strictObject({
    check: z.literal('freshness'),
    ...identity,
    column: identifier.meta({
      description: 'A date or timestamp column that grows with new data, e.g. updated_at.',
    }),
    warn_after: age('Warn'),
    error_after: age('Fail with severity error (exit 1)'),
    critical_after: age('Fail with severity critical (exit 3)'),
  })
  .superRefine((c, ctx) => {
    const set = FRESHNESS_LEVELS.filter((l) => c[l.key] !== undefined);
    if (set.length === 0)
      ctx.addIssue({
        code: 'custom',
        path: ['warn_after'],
        message: 'expected at least one of warn_after, error_after, critical_after',
      });
    for (let i = 1; i < set.length; i++) {
      const [lower, higher] = [set[i - 1]!.key, set[i]!.key];
      const [a, b] = [parseDuration(c[lower]!), parseDuration(c[higher]!)];
      if (a !== undefined && b !== undefined && b <= a)
        ctx.addIssue({
          code: 'custom',
          path: [higher],
          message: `expected ${higher} (${c[higher]}) to be longer than ${lower} (${c[lower]})`,
        });
    }
  });

export const checkSchema = z.discriminatedUnion(
  'check',
  [rowCount, notNull, dates, unique, references, type, range, acceptedValues, pattern, freshness],
  {
    error:
      'expected a check: row_count, not_null, dates, unique, references, type, range, accepted_values, pattern or freshness',
  },
);

/** The kinds that run at dataset scope (in DuckDB over the processed dataset). */
export const DATASET_KINDS: ReadonlySet<CheckConfig['check']> = new Set([
  'row_count',
  'not_null',
  'dates',
  'unique',
  'references',
  'range',
  'accepted_values',
  'pattern',
  'freshness',
]);

export const validationSchema = z.strictObject({
  stop_on_critical: z.boolean().default(true).meta({
    description: 'A failed critical check stops the pipeline before anything is loaded (exit 3).',
  }),
  report_dir: directorySchema.default('results/validation'),
  metrics_dir: directorySchema
    .default('results/metrics')
    .meta({ description: 'Per-run metrics (JSON lines) for anomaly checks.' }),
  sample_rows: z.int().min(0).max(1000).default(20).meta({ description: 'Failing rows kept per check.' }),
  dataset_scan: z
    .enum(['changed', 'full'])
    .default('changed')
    .meta({
      description:
        'Dataset-scope checks after an incremental merge: "changed" checks the rows the load wrote (and, ' +
        'for unique, every row sharing their values) — what a merge can break; "full" rescans the whole ' +
        'dataset every time. A first load and a refresh are always checked in full. Default changed.',
    }),
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
 * Cross-references a schema cannot express: checks are declared for configured sources; a
 * references check names a configured source (at increment scope on the same connection: it runs
 * as an anti-join in that database; at dataset scope any source, whose processed dataset is
 * joined); a dataset-scope check is of a kind that runs there, and its regex is one DuckDB's RE2
 * engine accepts. `at(path, message)` records a problem at a key path.
 */
export function validationRules(config: RulesInput, at: (path: string[], message: string) => void): void {
  const names = Object.keys(config.sources);
  for (const [source, checks] of Object.entries(config.validation.sources)) {
    if (!config.sources[source]) {
      at(['validation', 'sources', source], `unknown source "${source}" (defined: ${names.join(', ')})`);
      continue;
    }
    checks.forEach((c, i) => {
      const where = ['validation', 'sources', source, String(i)];
      if (c.scope === 'dataset') datasetRules(c, where, at);
      if (c.check === 'references') referenceRules(config, source, c, where, at);
    });
  }
}

function datasetRules(c: CheckConfig, where: string[], at: (path: string[], message: string) => void): void {
  if (!DATASET_KINDS.has(c.check))
    at(
      [...where, 'scope'],
      `${c.check} checks run at increment scope only (dataset scope runs: ${[...DATASET_KINDS].join(', ')})`,
    );
  else if (c.check === 'pattern' && !re2Compatible(c.regex))
    at(
      [...where, 'regex'],
      'at dataset scope the pattern runs in DuckDB (RE2), which has no lookaround or backreferences',
    );
}

type ReferencesConfig = Extract<CheckConfig, { check: 'references' }>;

function referenceRules(
  config: RulesInput,
  source: string,
  c: ReferencesConfig,
  where: string[],
  at: (path: string[], message: string) => void,
): void {
  const own = config.sources[source]!;
  const target = config.sources[c.source];
  if (!target)
    at(
      [...where, 'source'],
      `unknown source "${c.source}" (defined: ${Object.keys(config.sources).join(', ')})`,
    );
  else if (c.scope === 'increment' && target.connection !== own.connection)
    at(
      [...where, 'source'],
      `"${c.source}" is on connection "${target.connection}", not "${own.connection}": references are checked inside one database (or use scope: dataset)`,
    );
  else if (!c.key && target.primary_key.length !== 1)
    at([...where, 'key'], `"${c.source}" has a composite primary key: name the referenced column with key:`);
}

/**
 * Lookaround and backreferences: JavaScript has them, RE2 (DuckDB's regexp_matches) does not. A
 * scan that skips escapes and character classes, so `\(?=` and `[(?=]` are literal text.
 */
function re2Compatible(re: string): boolean {
  let inClass = false;
  for (let i = 0; i < re.length; i++) {
    const c = re[i];
    if (c === '\\') {
      const next = re[i + 1] ?? '';
      if (!inClass && (/[1-9]/.test(next) || next === 'k')) return false;
      i++;
    } else if (inClass) inClass = c !== ']';
    else if (c === '[') inClass = true;
    else if (c === '(' && /^\(\?<?[=!]/.test(re.slice(i, i + 4))) return false;
  }
  return true;
}
