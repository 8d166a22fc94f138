/**
 * `defineConfig`: the library's configuration as a typed in-memory object, no files required. It
 * goes through what loadConfig does after reading YAML — the same zod schema, the same cross-field
 * rules — and returns the same LoadedConfig, so everything that accepts a loaded config accepts a
 * defined one. Problems carry the key path in the object given (there are no line numbers).
 *
 * Unlike the YAML files, strings are taken as given: `${VAR}` is not interpolated (JavaScript has
 * `process.env` at hand, and a literal `${` in SQL or a password must stay as written).
 */
import path from 'node:path';
import { Document, LineCounter } from 'yaml';
import type * as z from 'zod';
import { ConfigError, type ConfigProblem } from '../errors.js';
import { problemsFromZod, type YamlSource } from './issues.js';
import { knownKeys } from './known-keys.js';
import type { LoadedConfig } from './load.js';
import { checkRules } from './rules.js';
import { databaseConfigSchema, queriesFileSchema, type queryTemplateSchema } from './schema.js';

type SchemaInput = z.input<typeof databaseConfigSchema>;

/** A query template as written: `{ sql, dialects?, description? }` (queries.yml's entries). */
export type QueryInput = z.input<typeof queryTemplateSchema>;

/** A source as written in database.yml, plus `sql`: its query inline (the template is named after the source). */
export type SourceInput = SchemaInput['sources'][string] & { sql?: string };

/**
 * database.yml's shape as an object (durations as "30s", passwords as strings), with the
 * templates of queries.yml under `queries`, or inline as each source's `sql`.
 */
export type ConfigInput = Omit<SchemaInput, 'sources'> & {
  sources: Record<string, SourceInput>;
  /** Query templates by name (a source uses the one named by its `query`, default its own name). */
  queries?: Record<string, QueryInput>;
};

export interface DefineOptions {
  /**
   * The project directory: state, output, logs, results and SQLite filenames resolve against it.
   * Default: process.cwd().
   */
  root?: string;
  /** The environment the pseudonymisation key (transform.pseudonym_key_env) is read from. Default: process.env. */
  env?: NodeJS.ProcessEnv;
}

/** What problems and run records name as the configuration's "file". */
export const DEFINED_CONFIG = 'defineConfig()';
/** The rules' name for the queries, rewritten to key paths under DEFINED_CONFIG. */
const QUERIES = 'queries';

/**
 * A validated configuration from an object, as loadConfig makes one from files. Throws ConfigError
 * listing every problem, each with its key path (`sources.visits.connection`). `file` and
 * `queriesFile` of the result are `<root>/defineConfig()`: a label, not a file.
 */
export function defineConfig(input: ConfigInput, options: DefineOptions = {}): LoadedConfig {
  const root = path.resolve(options.root ?? process.cwd());
  const problems: ConfigProblem[] = [];
  const { database, queries, inline } = separate(input, problems);
  const config = parse(database, databaseConfigSchema, DEFINED_CONFIG, problems);
  const templates = parse(queries, queriesFileSchema, QUERIES, problems);
  if (config && templates)
    problems.push(...checkRules(config, templates, source(DEFINED_CONFIG, database), QUERIES));
  if (problems.length > 0 || !config || !templates)
    throw new ConfigError(problems.map((p) => relabel(p, inline)));

  const file = path.join(root, DEFINED_CONFIG);
  const loaded: Omit<LoadedConfig, 'env'> = {
    file,
    queriesFile: file,
    root,
    config,
    queries: templates,
    warnings: [],
  };
  // Not enumerable, as loadConfig does: the environment holds every secret of the process.
  return Object.defineProperty(loaded, 'env', {
    value: options.env ?? process.env,
    enumerable: false,
  }) as LoadedConfig;
}

interface Separated {
  database: unknown;
  queries: Record<string, unknown>;
  /** Template names that came from a source's `sql`. */
  inline: Set<string>;
}

/** Splits the object into database.yml's part and queries.yml's part (with the sources' inline SQL). */
function separate(input: unknown, problems: ConfigProblem[]): Separated {
  const inline = new Set<string>();
  if (!isObject(input)) return { database: input, queries: {}, inline };
  const { queries: given = {}, sources, ...rest } = input;
  const queries: Record<string, unknown> = isObject(given) ? { ...given } : {};
  if (!isObject(given)) problems.push(problem('queries', 'expected a mapping of query templates'));
  if (!isObject(sources)) return { database: { ...rest, sources }, queries, inline };
  const plain: Record<string, unknown> = {};
  for (const [name, s] of Object.entries(sources)) {
    if (!isObject(s) || s.sql === undefined) {
      plain[name] = s;
      continue;
    }
    const { sql, ...spec } = s;
    plain[name] = spec;
    if (spec.query !== undefined)
      problems.push(problem(`sources.${name}.sql`, 'give sql or query, not both'));
    else if (Object.hasOwn(queries, name))
      problems.push(problem(`sources.${name}.sql`, `a template named "${name}" is also given under queries`));
    else {
      queries[name] = { sql };
      inline.add(name);
    }
  }
  return { database: { ...rest, sources: plain }, queries, inline };
}

/**
 * The part's typed value, its problems added to `problems`. When the only problems are unknown keys
 * (typos), it is parsed again without them so the cross-field rules still run, as loadConfig does.
 */
function parse<T extends z.ZodType>(
  value: unknown,
  schema: T,
  file: string,
  problems: ConfigProblem[],
): z.output<T> | undefined {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const { issues } = result.error;
  problems.push(...problemsFromZod(source(file, value), issues, value, knownKeys(schema)));
  const unknown = issues.filter((i) => i.code === 'unrecognized_keys');
  if (unknown.length !== issues.length) return undefined;
  let pruned: unknown;
  try {
    pruned = structuredClone(value);
  } catch {
    return undefined; // a function or class instance somewhere: the problems above stand alone
  }
  for (const issue of unknown) {
    const parent = issue.path.reduce<unknown>((n, k) => (n as Record<PropertyKey, unknown>)?.[k], pruned);
    if (isObject(parent)) for (const k of issue.keys) delete parent[k];
  }
  const again = schema.safeParse(pruned);
  return again.success ? again.data : undefined;
}

/** A YAML document built from the object: its nodes have no source range, so problems have no line. */
function source(file: string, value: unknown): YamlSource {
  return { file, doc: new Document(value), lines: new LineCounter() };
}

/** A problem of the queries part, as a key path in the object given (`queries.x.sql`, `sources.x.sql`). */
function relabel(p: ConfigProblem, inline: Set<string>): ConfigProblem {
  if (p.file !== QUERIES) return p;
  const name = /^[^.[]*/.exec(p.path)?.[0] ?? '';
  const at = inline.has(name) ? `sources.${name}.sql` : p.path ? `queries.${p.path}` : 'queries';
  return { file: DEFINED_CONFIG, path: at, message: p.message };
}

function problem(at: string, message: string): ConfigProblem {
  return { file: DEFINED_CONFIG, path: at, message };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
