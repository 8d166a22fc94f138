/**
 * The shape of config/database.yml, as zod schemas. Every object is strict: an unknown or misspelt
 * key is an error naming its path, never silently ignored. Defaults live here (and so appear in the
 * generated JSON Schema, config/database.schema.json). Cross-field rules live in rules.ts.
 */
import * as z from 'zod';
import { Secret } from './secret.js';
import { DAY, directorySchema, durationSchema, HOUR, MINUTE, nameSchema } from './fields.js';
import { alertsSchema } from './alerts-schema.js';
import { loadSchema } from './load-schema.js';
import { loggingSchema, metricsSchema } from './observe-schema.js';
import { schedulesSchema } from './schedule-schema.js';
import { transformSchema } from './transform-schema.js';
import { validationSchema } from './validation-schema.js';

/** A credential: a string in YAML, a `Secret` after parsing. Numbers are accepted (an all-digit password). */
const secret = z
  .union([z.string(), z.number()], { error: 'expected text' })
  .transform((v) => new Secret(String(v)))
  .meta({ description: 'A credential. Write it as ${ENV_VAR}; it is never printed or logged.' });

const identifier = nameSchema;

const pool = z.strictObject({
  min: z.int().min(0).default(0),
  max: z.int().min(1).default(4),
});

const networkCommon = {
  host: z.string().min(1),
  port: z.int().min(1).max(65535).optional(),
  database: z.string().min(1),
  user: z.string().min(1),
  password: secret.optional(),
  pool: pool.prefault({}),
  connect_timeout: durationSchema(10 * MINUTE, 1000).default('15s'),
  statement_timeout: durationSchema(DAY, 1000).default('30m').meta({
    description: 'Longest a single statement may run on the source before the server cancels it.',
  }),
  read_only: z.boolean().default(true).meta({
    description: 'Open read-only sessions where the database supports it. Default true.',
  }),
};

const sqliteConnection = z.strictObject({
  client: z.literal('sqlite'),
  filename: z
    .string()
    .min(1)
    .meta({ description: 'Path of the database file, relative to the project root.' }),
  read_only: z.boolean().default(true),
  statement_timeout: durationSchema(DAY, 1000).default('30m'),
});

const postgresConnection = z.strictObject({
  client: z.literal('postgres'),
  ...networkCommon,
  ssl: z
    .union([z.boolean(), z.strictObject({ reject_unauthorized: z.boolean().default(true) })])
    .default(false),
});

const mysqlConnection = z.strictObject({
  client: z.literal('mysql'),
  ...networkCommon,
  ssl: z
    .union([z.boolean(), z.strictObject({ reject_unauthorized: z.boolean().default(true) })])
    .default(false),
});

const mssqlConnection = z.strictObject({
  client: z.literal('mssql'),
  ...networkCommon,
  encrypt: z.boolean().default(true),
  trust_server_certificate: z.boolean().default(false),
});

const oracleConnection = z.strictObject({
  client: z.literal('oracle'),
  ...networkCommon,
  host: z.string().min(1).optional(),
  database: z.string().min(1).optional(),
  connect_string: z.string().min(1).optional().meta({
    description: 'Easy Connect string (host:port/service_name); replaces host, port and database.',
  }),
});

export const connectionSchema = z.discriminatedUnion('client', [
  sqliteConnection,
  postgresConnection,
  mysqlConnection,
  mssqlConnection,
  oracleConnection,
]);

/** Most key ranges one source may be split into (each holds a pooled connection while it reads). */
export const MAX_SPLIT_RANGES = 64;

const splitRanges = z.int().min(1).max(MAX_SPLIT_RANGES).meta({
  description:
    "Key ranges read concurrently, each on its own pooled connection (capped by the connection's pool.max). 1: not split.",
});
const splitMinRows = z.int().min(0).meta({
  description: "A source whose estimated rows (the planner's estimate) are fewer than this is not split.",
});

/**
 * Full and date-range runs of a big source read disjoint ranges of the first key column
 * concurrently (extract/split-plan.ts). Incremental runs are never split.
 */
const splitSchema = z
  .strictObject({
    ranges: splitRanges.default(1),
    min_rows: splitMinRows.default(1_000_000),
  })
  .meta({
    description:
      'Split full and date-range runs into key ranges read concurrently. Default: ranges 1 (off), min_rows 1000000.',
  });

/** A source's override of extraction.split: what it leaves out comes from there. */
const sourceSplitSchema = z
  .strictObject({ ranges: splitRanges.optional(), min_rows: splitMinRows.optional() })
  .meta({ description: 'Overrides extraction.split for this source.' });

export const EXTRACTION_MODES = ['incremental', 'full'] as const;
export type ExtractionMode = (typeof EXTRACTION_MODES)[number];

const sourceSchema = z.strictObject({
  description: z.string().optional(),
  enabled: z.boolean().default(true),
  connection: identifier.meta({ description: 'Name of an entry under connections.' }),
  query: identifier
    .optional()
    .meta({ description: 'Name of a template in queries.yml. Default: the source name.' }),
  params: z
    .record(identifier, z.union([z.string(), z.number(), z.boolean()]))
    .default({})
    .meta({
      description: 'Values for the :name bindings of the query template.',
    }),
  primary_key: z.array(identifier).min(1),
  cursor_column: identifier.optional().meta({
    description:
      'Column that grows when a row is inserted or updated (e.g. updated_at); required for incremental mode.',
  }),
  date_column: identifier.optional().meta({
    description: 'Column that --start-date/--end-date filter on (e.g. visit_date).',
  }),
  mode: z.enum(EXTRACTION_MODES).optional().meta({ description: 'Default mode for this source.' }),
  timezone: z
    .string()
    .refine(isTimeZone, { error: 'expected an IANA time zone such as "Asia/Singapore"' })
    .optional()
    .meta({
      description: 'Time zone of this source’s timestamps without time zone. Default: extraction.timezone.',
    }),
  pii_columns: z.array(identifier).default([]).meta({
    description: 'Columns holding patient identities: masked in samples and logs.',
  }),
  split: sourceSplitSchema.optional(),
});

const extractionSchema = z.strictObject({
  default_connection: identifier.optional(),
  default_mode: z.enum(EXTRACTION_MODES).default('incremental'),
  concurrency: z
    .int()
    .min(1)
    .max(64)
    .default(2)
    .meta({
      description:
        'Sources a run takes through the pipeline at once (each on its own connection); loads, which ' +
        'use the embedded engine and its memory, run alone, with no other load or extraction beside them. ' +
        'Sources whose dataset checks ' +
        "reference another source of the run wait for it. Capped by each connection's pool.max. Default 2.",
    }),
  batch_size: z.int().min(1).max(1_000_000).default(5_000),
  timezone: z
    .string()
    .refine(isTimeZone, { error: 'expected an IANA time zone such as "Asia/Singapore"' })
    .default('Asia/Singapore'),
  settle_lag: durationSchema(7 * DAY)
    .default('5m')
    .meta({
      description:
        'Incremental runs stop this far behind the database clock, so late commits are not skipped.',
    }),
  lookback: durationSchema(30 * DAY)
    .default('1h')
    .meta({
      description:
        'Incremental runs re-read this far behind the watermark (date/timestamp cursors), delivering rows committed late and skipping rows already delivered. Default 1h.',
    }),
  state_dir: directorySchema.default('data/state'),
  split: splitSchema.prefault({}),
  retry: z
    .strictObject({
      attempts: z.int().min(1).max(20).default(3),
      min_delay: durationSchema(HOUR).default('1s'),
      max_delay: durationSchema(HOUR).default('30s'),
    })
    .prefault({}),
});

export const OUTPUT_FORMATS = ['csv', 'parquet', 'xlsx'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

const outputSchema = z.strictObject({
  directory: directorySchema.default('data/raw'),
  formats: z.array(z.enum(OUTPUT_FORMATS)).min(1).default(['parquet']),
  part_rows: z.int().min(1).default(1_000_000).meta({
    description: 'A part file is closed (and the run checkpointed) once it holds this many rows.',
  }),
  part_bytes: z
    .int()
    .min(1024 * 1024)
    .optional()
    .meta({
      description:
        'Also close a part once any of its files reaches this many bytes (checked after each batch).',
    }),
  file_mode: z
    .string()
    .regex(/^0?[0-7]{3}$/, { error: 'expected an octal file mode such as "0640"' })
    // Files hold patient data: owner read-write at most, group read at most, nothing for others.
    .refine((m) => (Number.parseInt(m, 8) & ~0o640) === 0, {
      error: 'expected 0640 or stricter (files hold patient data: no group write, nothing for others)',
    })
    .default('0640'),
  csv: z
    .strictObject({
      delimiter: z
        .string()
        .length(1, { error: 'expected one character, such as "," or ";"' })
        .refine((d) => !['\n', '\r', '"'].includes(d), {
          error: 'a line break or a double quote cannot separate fields',
        })
        .default(','),
      null_value: z
        .string()
        .refine((v) => !/["\r\n]/.test(v), { error: 'cannot contain a double quote or a line break' })
        .default(''),
      bom: z.boolean().default(false).meta({ description: 'Write a UTF-8 byte order mark (helps Excel).' }),
    })
    .prefault({}),
  parquet: z
    .strictObject({
      compression: z.enum(['zstd', 'snappy']).default('zstd'),
      row_group_rows: z
        .int()
        .min(1)
        .max(100_000_000)
        .default(131_072)
        .meta({ description: 'Rows per row group; the writer holds about one row group in memory.' }),
    })
    .prefault({}),
  xlsx: z
    .strictObject({
      warn_rows: z.int().min(1).default(1_048_575).meta({
        description:
          'Warn when one extraction writes more rows than this to Excel (beyond one sheet it is hard to use).',
      }),
    })
    .prefault({}),
});

export const databaseConfigSchema = z
  .strictObject({
    $schema: z.string().optional(),
    connections: z.record(identifier, connectionSchema),
    sources: z.record(identifier, sourceSchema),
    extraction: extractionSchema.prefault({}),
    validation: validationSchema.prefault({}),
    output: outputSchema.prefault({}),
    schedules: schedulesSchema,
    transform: transformSchema.prefault({}),
    load: loadSchema.prefault({}),
    alerts: alertsSchema.prefault({}),
    logging: loggingSchema.prefault({}),
    metrics: metricsSchema.prefault({}),
  })
  .meta({ title: 'moh-etl database.yml', description: 'Connections, sources and run settings for moh-etl.' });

export type DatabaseConfig = z.output<typeof databaseConfigSchema>;
export type ConnectionConfig = z.output<typeof connectionSchema>;
export type ConnectionClient = ConnectionConfig['client'];
export type SourceConfig = z.output<typeof sourceSchema>;
export type ExtractionConfig = z.output<typeof extractionSchema>;
export type OutputConfig = z.output<typeof outputSchema>;
export type SplitConfig = z.output<typeof splitSchema>;

export const queryTemplateSchema = z.strictObject({
  description: z.string().optional(),
  sql: z.string().min(1),
  dialects: z
    .partialRecord(z.enum(['sqlite', 'postgres', 'mysql', 'mssql', 'oracle']), z.string().min(1))
    .default({})
    .meta({ description: 'Per-dialect overrides of sql.' }),
});
export const queriesFileSchema = z.record(identifier, queryTemplateSchema);
export type QueryTemplate = z.output<typeof queryTemplateSchema>;

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
