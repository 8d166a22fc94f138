/**
 * Flag values checked before anything runs. Each mistake is one UsageError naming the flag, what
 * was given and what is valid; nothing has been written when it is thrown.
 */
import type { LoadedConfig } from '../config/load.js';
import {
  EXTRACTION_MODES,
  OUTPUT_FORMATS,
  type ExtractionMode,
  type OutputFormat,
} from '../config/schema.js';
import { UsageError } from '../errors.js';
import { didYouMean } from '../config/suggest.js';
import { todayIn, type DateRange } from '../extract/date-range.js';
import {
  parseRangeExpression,
  RANGE_EXPRESSION_FORMS,
  resolveRangeExpression,
} from '../extract/range-expression.js';

export interface CommonFlags {
  config?: string;
  projectDir?: string;
  logLevel?: string;
  /** Machine-readable output on stdout (one JSON object, or NDJSON events then a summary). */
  json?: boolean;
}

export interface ExtractFlags extends CommonFlags {
  sources?: string[];
  startDate?: string;
  endDate?: string;
  range?: string;
  mode?: string;
  format?: string[];
  dryRun?: boolean;
  fresh?: boolean;
  /** Ad-hoc extraction (cli/adhoc-options.ts): a statement typed here, or a configured source narrowed. */
  sql?: string;
  connection?: string;
  key?: string;
  name?: string;
  select?: string;
  where?: string;
  /** `--param name=value`, repeatable (default: none). */
  param?: string[];
  limit?: string;
  output?: string;
  stdout?: boolean;
  /** `--shard i/n --run-id ID`: one shard of a run extracted on several machines (cli/commands/shards.ts). */
  shard?: string;
  runId?: string;
}

/** Requested sources, in the order given; default: every enabled source. */
export function resolveSources(
  loaded: LoadedConfig,
  requested: string[] | undefined,
  /** Where the names came from, for the message (a flag, or an argument). */
  where = 'in --sources',
): string[] {
  const all = Object.entries(loaded.config.sources);
  if (!requested || requested.length === 0) return all.filter(([, s]) => s.enabled).map(([n]) => n);
  const names = requested
    .flatMap((s) => s.split(','))
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length === 0)
    throw new UsageError(
      `--sources names no source (valid: ${all.map(([n]) => n).join(', ')}); omit it for every enabled source`,
    );
  const unknown = names.filter((n) => !Object.hasOwn(loaded.config.sources, n));
  if (unknown.length > 0) {
    throw new UsageError(
      `unknown source${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => `"${u}"`).join(', ')} ${where}${
        unknown.length === 1
          ? didYouMean(
              unknown[0]!,
              all.map(([n]) => n),
            )
          : ''
      } (valid: ${all.map(([n]) => n).join(', ')})`,
    );
  }
  return [...new Set(names)];
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

export function parseDate(flag: string, value: string): string {
  const m = ISO_DATE.exec(value);
  const d = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : undefined;
  if (!m || !d || d.toISOString().slice(0, 10) !== value) {
    throw new UsageError(`${flag} "${value}" is not a date (expected YYYY-MM-DD, e.g. 2025-01-31)`);
  }
  return value;
}

/**
 * The date range, if any: `--range yesterday` (any range expression), or `--start-date`/`--end-date`
 * (`--start-date` alone runs through today in the configured time zone).
 */
export function resolveRange(flags: ExtractFlags, timeZone: string, now = new Date()): DateRange | undefined {
  if (flags.range !== undefined) {
    if (flags.startDate !== undefined || flags.endDate !== undefined)
      throw new UsageError('--range does not combine with --start-date/--end-date (use one or the other)');
    if (flags.mode !== undefined)
      throw new UsageError('--mode does not combine with --range (a date range is its own extraction)');
    const expr = parseRangeExpression(flags.range);
    if (!expr)
      throw new UsageError(`--range "${flags.range}" is not a range (valid: ${RANGE_EXPRESSION_FORMS})`);
    return resolveRangeExpression(expr, now, timeZone);
  }
  if (flags.startDate === undefined && flags.endDate === undefined) return undefined;
  if (flags.startDate === undefined) throw new UsageError('--end-date needs --start-date');
  const start = parseDate('--start-date', flags.startDate);
  const end = flags.endDate === undefined ? todayIn(timeZone) : parseDate('--end-date', flags.endDate);
  if (end < start) throw new UsageError(`--end-date ${end} is before --start-date ${start}`);
  if (flags.mode !== undefined) {
    throw new UsageError(
      '--mode does not combine with --start-date/--end-date (a date range is its own extraction)',
    );
  }
  return { start, end };
}

/** Modes of `run`: `refresh` is a full extraction that replaces the processed dataset. */
export const RUN_MODES = [...EXTRACTION_MODES, 'refresh'] as const;
export type RunMode = (typeof RUN_MODES)[number];

/** `--mode`; for `extract`, `refresh` is the same as `full` (there is no dataset to replace). */
export function resolveMode(mode: string | undefined): ExtractionMode | undefined {
  const m = resolveRunMode(mode);
  return m === 'refresh' ? 'full' : m;
}

export function resolveRunMode(mode: string | undefined): RunMode | undefined {
  if (mode === undefined) return undefined;
  if (!(RUN_MODES as readonly string[]).includes(mode)) {
    throw new UsageError(`--mode "${mode}" is not a mode (valid: ${RUN_MODES.join(', ')})`);
  }
  return mode as RunMode;
}

export function resolveFormats(formats: string[] | undefined): OutputFormat[] | undefined {
  if (!formats) return undefined;
  const names = formats
    .flatMap((f) => f.split(','))
    .map((f) => f.trim().toLowerCase())
    .filter(Boolean);
  // A run that writes no file would still move the watermark: its rows would be lost.
  if (names.length === 0)
    throw new UsageError(`--format names no format (valid: ${OUTPUT_FORMATS.join(', ')})`);
  const bad = names.filter((n) => !(OUTPUT_FORMATS as readonly string[]).includes(n));
  if (bad.length > 0)
    throw new UsageError(
      `--format "${bad.join(', ')}" is not a format (valid: ${OUTPUT_FORMATS.join(', ')})`,
    );
  return [...new Set(names)] as OutputFormat[];
}
