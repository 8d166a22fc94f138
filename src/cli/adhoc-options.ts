/**
 * The ad-hoc flags of `extract`, checked before anything connects or is written: which statement
 * (`--sql` on `--connection`, or one configured source), its key, `--select`, `--where`,
 * `--param`, `--limit`. Each mistake is one UsageError naming the flag (never echoing a value: a
 * `--param` or a `--where` may hold a patient identifier).
 */
import type { LoadedConfig } from '../config/load.js';
import { nameSchema } from '../config/fields.js';
import { didYouMean } from '../config/suggest.js';
import { UsageError } from '../errors.js';
import type { AdhocRequest, AdhocValue } from '../pipeline/adhoc.js';
import { resolveMode, resolveRange, resolveSources, type ExtractFlags } from './options.js';

/** Flags that make `extract` an ad-hoc run. */
const ADHOC_FLAGS = [
  ['sql', '--sql'],
  ['connection', '--connection'],
  ['key', '--key'],
  ['name', '--name'],
  ['select', '--select'],
  ['where', '--where'],
  ['param', '--param'],
  ['limit', '--limit'],
  ['output', '--output'],
  ['stdout', '--stdout'],
] as const satisfies readonly (readonly [keyof ExtractFlags, string])[];

/** The name of an ad-hoc run from `--sql` without `--name`. */
export const DEFAULT_ADHOC_NAME = 'adhoc';

export function isAdhoc(flags: ExtractFlags): boolean {
  return ADHOC_FLAGS.some(([k]) => flags[k] !== undefined && flags[k] !== false);
}

export function adhocRequest(loaded: LoadedConfig, flags: ExtractFlags): AdhocRequest {
  refuseStateFlags(flags);
  const range = resolveRange(flags, loaded.config.extraction.timezone);
  const common = {
    where: predicate(flags.where),
    limit: limit(flags.limit),
    range,
    ...parseParams(flags.param ?? []),
  };
  return flags.sql !== undefined
    ? fromSql(loaded, flags, common)
    : fromSource(loaded, flags, { ...common, select: columnList('--select', flags.select) });
}

type Common = Pick<AdhocRequest, 'where' | 'limit' | 'range' | 'params' | 'given'>;

function fromSql(loaded: LoadedConfig, flags: ExtractFlags, common: Common): AdhocRequest {
  const { config } = loaded;
  if (flags.sources !== undefined)
    throw new UsageError('--sql and --sources are alternatives: give a statement or a configured source');
  if (common.range)
    throw new UsageError(
      '--start-date/--end-date/--range filter a configured source’s date_column; with --sql, put the dates in the statement or --where (with --param)',
    );
  const connection = flags.connection ?? config.extraction.default_connection;
  const known = Object.keys(config.connections);
  if (connection === undefined)
    throw new UsageError(`--sql needs --connection NAME (defined: ${known.join(', ') || 'none'})`);
  if (!Object.hasOwn(config.connections, connection))
    throw new UsageError(
      `--connection "${connection}" is not a connection${didYouMean(connection, known)} (defined: ${known.join(', ')})`,
    );
  if (flags.sql!.trim() === '') throw new UsageError('--sql is empty: give one SELECT');
  const key = columnList('--key', flags.key) ?? [];
  return {
    ...common,
    name: runName(flags.name ?? DEFAULT_ADHOC_NAME),
    connection,
    base: flags.sql!,
    key,
    select: columnList('--select', flags.select),
    piiColumns: [],
  };
}

function fromSource(
  loaded: LoadedConfig,
  flags: ExtractFlags,
  common: Common & Pick<AdhocRequest, 'select'>,
): AdhocRequest {
  for (const [value, flag] of [
    [flags.connection, '--connection'],
    [flags.key, '--key'],
  ] as const)
    if (value !== undefined)
      throw new UsageError(`${flag} goes with --sql; a configured source has its own connection and key`);
  const names = flags.sources === undefined ? [] : resolveSources(loaded, flags.sources);
  if (names.length !== 1)
    throw new UsageError(
      names.length === 0
        ? 'an ad-hoc run needs a statement: --sql "SELECT …" --connection NAME, or one configured source (--sources NAME)'
        : `an ad-hoc run reads one source; --sources names ${names.length}`,
    );
  const name = names[0]!;
  const source = loaded.config.sources[name]!;
  const connection = loaded.config.connections[source.connection]!;
  const template = loaded.queries[source.query ?? name]!;
  return {
    ...common,
    name: runName(flags.name ?? name),
    source: name,
    connection: source.connection,
    base: (template.dialects[connection.client] ?? template.sql).trim(),
    key: [...source.primary_key],
    // `--param` overrides the source's configured values for the template's bindings.
    params: { ...source.params, ...common.params },
    dateColumn: source.date_column,
    timezone: source.timezone,
    piiColumns: source.pii_columns,
  };
}

/** `--mode incremental` and `--fresh` are about stored state, which an ad-hoc run neither reads nor writes. */
function refuseStateFlags(flags: ExtractFlags): void {
  if (resolveMode(flags.mode) === 'incremental')
    throw new UsageError(
      '--mode incremental needs a watermark, and an ad-hoc run keeps none: it reads in full, or a --start-date/--end-date range',
    );
  if (flags.fresh)
    throw new UsageError('--fresh discards unfinished runs; an ad-hoc run has none to discard');
}

function runName(name: string): string {
  if (!nameSchema.safeParse(name).success)
    throw new UsageError(`--name "${name}" is not a name (letters, digits and _; it names the files)`);
  return name;
}

/** `a,b , c` → ['a', 'b', 'c']; undefined when the flag was not given. */
function columnList(flag: string, text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  const names = text
    .split(',')
    .map((c) => c.trim())
    .filter(Boolean);
  if (names.length === 0)
    throw new UsageError(`${flag} names no column (e.g. ${flag} patient_id,visit_date)`);
  return names;
}

function predicate(text: string | undefined): string | undefined {
  if (text !== undefined && text.trim() === '')
    throw new UsageError('--where is empty: give a condition, e.g. --where "visit_type = :type"');
  return text;
}

function limit(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = /^[1-9]\d*$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (!Number.isSafeInteger(n))
    throw new UsageError(`--limit "${text}" is not a positive whole number of rows`);
  return n;
}

/** As YAML would read the same digits in `params:` (and load.ts's coercion): no leading zero, so "018956" stays text. */
const INTEGER = /^-?(0|[1-9]\d*)$/;

/** `--param name=value …`: the values by name, and the names given. A value is never quoted back. */
export function parseParams(list: readonly string[]): {
  params: Record<string, AdhocValue>;
  given: string[];
} {
  const out: Record<string, AdhocValue> = {};
  for (const [i, item] of list.entries()) {
    // Which --param, by position: its text may be a value (an identifier typed without its name).
    const which = list.length > 1 ? `--param #${i + 1}` : '--param';
    const eq = item.indexOf('=');
    if (eq < 0) throw new UsageError(`${which} has no "=": write --param NAME=VALUE`);
    const name = item.slice(0, eq);
    if (name === '') throw new UsageError(`${which} has no name before "=": write --param NAME=VALUE`);
    if (!nameSchema.safeParse(name).success)
      throw new UsageError(
        `${which} has no name before "=" (a name is letters, digits and _, as in :name): write --param NAME=VALUE`,
      );
    if (Object.hasOwn(out, name)) throw new UsageError(`--param ${name} is given twice`);
    const value = item.slice(eq + 1);
    out[name] = INTEGER.test(value) && Number.isSafeInteger(Number(value)) ? Number(value) : value;
  }
  return { params: out, given: Object.keys(out) };
}
