/**
 * The `logging:` and `metrics:` sections of config/database.yml. Sizes stay text in the parsed
 * config ("50MB"), like durations, so the generated JSON Schema shows what a person writes;
 * `parseByteSize` turns them into bytes where they are used.
 */
import * as z from 'zod';
import { directorySchema } from './fields.js';

const UNIT_BYTES: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };
const SIZE = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb|k|m|g|kib|mib|gib)$/i;

/**
 * Parse "50MB", "512KB", "1GB" or "4096B" into bytes (binary units: 1KB = 1024 bytes, as pino-roll
 * counts); undefined when malformed.
 */
export function parseByteSize(text: string): number | undefined {
  const m = SIZE.exec(text.trim());
  if (!m) return undefined;
  // "k", "KiB" and "KB" all mean 1024 bytes here.
  const unit = m[2]!.toLowerCase().replace('i', '');
  const bytes = Math.round(Number(m[1]) * UNIT_BYTES[unit.endsWith('b') ? unit : `${unit}b`]!);
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

const MIN_LOG_SIZE = 1024;
const MAX_LOG_SIZE = 10 * 1024 ** 3;

const sizeSchema = z
  .string()
  .refine((s) => parseByteSize(s) !== undefined, {
    error: 'expected a size such as "512KB", "50MB" or "1GB"',
  })
  .refine((s) => (parseByteSize(s) ?? MIN_LOG_SIZE) >= MIN_LOG_SIZE, { error: 'expected at least 1KB' })
  .refine((s) => (parseByteSize(s) ?? 0) <= MAX_LOG_SIZE, { error: 'expected at most 10GB' });

const levels = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;

/** The log rotation periods pino-roll supports by name. */
export const LOG_ROTATIONS = ['daily', 'hourly'] as const;
export type LogRotationPeriod = (typeof LOG_ROTATIONS)[number];

export const loggingSchema = z.strictObject({
  level: z.enum(levels).default('info').meta({
    description:
      'Lowest level written to extraction.log. errors.log always takes error and fatal. Default info.',
  }),
  console_level: z
    .enum([...levels, 'silent'])
    .default('warn')
    .meta({ description: 'Lowest level shown on stderr (--log-level overrides it). Default warn.' }),
  directory: directorySchema.default('logs').meta({
    description: 'Where extraction.log, errors.log and audit.log (and their rotated files) go. Default logs.',
  }),
  max_size: sizeSchema.default('50MB').meta({
    description: 'A log file is rotated when it reaches this size (and at each rotate period). Default 50MB.',
  }),
  rotate: z.enum(LOG_ROTATIONS).default('daily').meta({
    description: 'Start a new file every day or every hour (local time), whatever its size. Default daily.',
  }),
  keep: z.int().min(1).max(1000).default(14).meta({
    description: 'Files kept per log, the current one included; older ones are deleted. Default 14.',
  }),
});

export type LoggingConfig = z.output<typeof loggingSchema>;

export const metricsSchema = z.strictObject({
  directory: directorySchema.default('results/metrics').meta({
    description: 'Where each run’s metrics go (<run_id>.json). Default results/metrics.',
  }),
  textfile: z
    .string()
    .min(1)
    .refine((s) => s.endsWith('.prom'), {
      error: 'expected a file name ending in .prom (the node_exporter textfile collector reads only those)',
    })
    .nullable()
    .default('results/metrics/moh_etl.prom')
    .meta({
      description:
        'Prometheus textfile rewritten after every run, for node_exporter’s textfile collector; null turns it off. Default results/metrics/moh_etl.prom.',
    }),
  success_window: z.int().min(1).max(1000).default(30).meta({
    description: 'How many recent scheduled runs of a job its success ratio is computed over. Default 30.',
  }),
});

export type MetricsConfig = z.output<typeof metricsSchema>;
