/**
 * Loading goes parse → interpolate → validate (zod) → rules, and collects every problem across both
 * files before failing, so a user fixes their config in one pass rather than one error at a time.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseEnv } from 'dotenv';
import { LineCounter, parseDocument } from 'yaml';
import type * as z from 'zod';
import { ConfigError, UsageError, type ConfigProblem } from '../errors.js';
import { interpolateTree, type InterpolationProblem } from './interpolate.js';
import { formatPath, lineOf, problemsFromZod, type YamlSource } from './issues.js';
import { knownKeys } from './known-keys.js';
import { checkRules } from './rules.js';
import {
  databaseConfigSchema,
  queriesFileSchema,
  type DatabaseConfig,
  type QueryTemplate,
} from './schema.js';

export const DEFAULT_CONFIG_PATH = 'config/database.yml';

export interface LoadedConfig {
  /** Absolute path of database.yml. */
  file: string;
  /** Absolute path of queries.yml. */
  queriesFile: string;
  /** Directory that relative paths in the config resolve against (the working directory). */
  root: string;
  config: DatabaseConfig;
  queries: Record<string, QueryTemplate>;
  warnings: string[];
  /** The environment the config was read with (process.env over .env): the pseudonymisation key comes from here. */
  env: NodeJS.ProcessEnv;
}

export interface LoadOptions {
  /** Path of database.yml. Default `config/database.yml`. */
  configPath?: string;
  /** Path of queries.yml. Default: `queries.yml` beside database.yml. */
  queriesPath?: string;
  /** Environment for `${VAR}` interpolation. Default: process.env over the values in `.env`. */
  env?: NodeJS.ProcessEnv;
  /**
   * The project directory: relative paths in the config (state, output, logs, results, the demo
   * database, .env) resolve against it, and a relative `configPath` too. Default: MOH_ETL_HOME, else
   * the directory holding the config file's `config/` folder, else the nearest directory at or
   * above the working directory that has config/database.yml.
   */
  root?: string;
  /** Where a relative `configPath` is looked up when no project directory is given. Default: process.cwd(). */
  cwd?: string;
}

/** Load and validate config/database.yml and config/queries.yml; throws ConfigError listing every problem. */
export function loadConfig(options: LoadOptions = {}): LoadedConfig {
  const { root, file } = resolveProject(options);
  const queriesFile = path.resolve(options.queriesPath ?? path.join(path.dirname(file), 'queries.yml'));
  const env = options.env ?? environment(root);
  const shownName = (p: string) => path.relative(root, p) || p;

  if (!existsSync(file)) {
    throw new ConfigError([
      {
        file,
        path: '',
        message:
          'file not found (pass --config PATH or --project-dir DIR, set MOH_ETL_HOME, or run moh-etl inside the project)',
      },
    ]);
  }
  const problems: ConfigProblem[] = [];
  const envFile = path.join(root, '.env');
  const db = readYaml(file, shownName(file), env, problems, envFile);
  const qs = readYaml(queriesFile, shownName(queriesFile), env, problems, envFile);

  const config = db && validate(db, databaseConfigSchema, problems);
  const queries = qs && validate(qs, queriesFileSchema, problems);
  if (config && queries && db) problems.push(...checkRules(config, queries, db.src, shownName(queriesFile)));
  if (problems.length > 0 || !config || !queries) throw new ConfigError(problems);

  const loaded = { file, queriesFile, root, config, queries, warnings: [] } as Omit<LoadedConfig, 'env'>;
  // Not enumerable: the environment holds every secret of the process, and a LoadedConfig may be
  // printed or serialised while debugging (JSON.stringify and util.inspect skip it).
  return Object.defineProperty(loaded, 'env', { value: env, enumerable: false }) as LoadedConfig;
}

/**
 * The project directory and the config file. Relative paths in a config are about the project, not
 * about where the command happens to run: cron, systemd and a user in another directory must all
 * see the same state, output and logs.
 */
export function resolveProject(options: Pick<LoadOptions, 'root' | 'configPath' | 'cwd'>): {
  root: string;
  file: string;
} {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  for (const [flag, value] of [
    ['--config', options.configPath],
    ['--project-dir', options.root],
  ] as const)
    if (value !== undefined && value.trim() === '')
      throw new UsageError(`${flag} is empty: give a path, or leave it out`);
  const home = options.root ?? (process.env.MOH_ETL_HOME || undefined);
  if (home) {
    const root = path.resolve(cwd, home);
    return { root, file: path.resolve(root, options.configPath ?? DEFAULT_CONFIG_PATH) };
  }
  if (options.configPath) {
    const file = path.resolve(cwd, options.configPath);
    const dir = path.dirname(file);
    return { root: path.basename(dir) === 'config' ? path.dirname(dir) : dir, file };
  }
  for (let dir = cwd; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, DEFAULT_CONFIG_PATH)))
      return { root: dir, file: path.join(dir, DEFAULT_CONFIG_PATH) };
    if (path.dirname(dir) === dir) return { root: cwd, file: path.join(cwd, DEFAULT_CONFIG_PATH) };
  }
}

interface ParsedYaml {
  src: YamlSource;
  value: unknown;
}

function readYaml(
  file: string,
  shownName: string,
  env: NodeJS.ProcessEnv,
  problems: ConfigProblem[],
  envFile: string,
): ParsedYaml | undefined {
  if (!existsSync(file)) {
    problems.push({ file: shownName, path: '', message: 'file not found' });
    return undefined;
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    // A directory, no permission: the user's path is wrong, not our code.
    const code = (e as NodeJS.ErrnoException).code;
    problems.push({
      file: shownName,
      path: '',
      message:
        code === 'EISDIR' ? 'is a directory, expected a YAML file' : `cannot read (${code ?? String(e)})`,
    });
    return undefined;
  }
  const lines = new LineCounter();
  let doc: ReturnType<typeof parseDocument>;
  try {
    doc = parseDocument(text, { lineCounter: lines });
  } catch (e) {
    // The parser recurses: thousands of nested levels exhaust the stack.
    problems.push({
      file: shownName,
      path: '',
      message: `YAML: ${e instanceof RangeError ? 'nested too deeply' : String(e)}`,
    });
    return undefined;
  }
  const first = doc.errors[0];
  if (first) {
    // Later YAML errors are usually the cascade of the first; report the first precisely.
    const what = (first.message.split('\n')[0] ?? first.code).replace(/ at line \d+, column \d+:?$/, '');
    const col = first.linePos?.[0].col;
    problems.push({
      file: shownName,
      line: first.linePos?.[0].line,
      path: '',
      message: `YAML syntax: ${what}${col ? ` (column ${col})` : ''}`,
    });
    return undefined;
  }
  const src: YamlSource = { file: shownName, doc, lines };
  let tree: unknown;
  try {
    // A bounded alias count: "billion laughs" aliases would otherwise expand without limit.
    tree = doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (e) {
    problems.push({ file: shownName, path: '', message: `YAML: ${aliasProblem(e)}` });
    return undefined;
  }
  for (const at of protoKeys(tree)) {
    // zod drops a `__proto__` key without a word (prototype-pollution safety): say so here instead.
    problems.push({
      file: shownName,
      line: lineOf(src, at, true),
      path: formatPath(at),
      message: 'invalid name: "__proto__" is a reserved word; choose another name',
    });
  }
  const missing: InterpolationProblem[] = [];
  const value = coerceScalars(interpolateTree(tree, env, missing), tree);
  for (const m of missing) {
    problems.push({
      file: shownName,
      line: lineOf(src, m.path),
      path: formatPath(m.path),
      message: `environment variable ${m.variable} is not set (set it in ${envFile} or the environment, or write \${${m.variable}:-default})`,
    });
  }
  return { src, value: value ?? {} };
}

/**
 * The file's typed config, its problems added to `problems`. When the only problems are unknown keys
 * (typos), the config is parsed again without them, so the cross-file rules still run and every
 * problem is reported in one pass.
 */
function validate<T extends z.ZodType>(
  parsed: ParsedYaml,
  schema: T,
  problems: ConfigProblem[],
): z.output<T> | undefined {
  const result = schema.safeParse(parsed.value);
  if (result.success) return result.data;
  problems.push(...problemsFromZod(parsed.src, result.error.issues, parsed.value, keysOf(schema)));
  const unknown = result.error.issues.filter((i) => i.code === 'unrecognized_keys');
  if (unknown.length !== result.error.issues.length) return undefined;
  const pruned = structuredClone(parsed.value) as Record<string, unknown>;
  for (const issue of unknown) {
    const parent = issue.path.reduce<unknown>((n, k) => (n as Record<PropertyKey, unknown>)?.[k], pruned);
    if (parent && typeof parent === 'object')
      for (const k of issue.keys) delete (parent as Record<string, unknown>)[k];
  }
  const again = schema.safeParse(pruned);
  return again.success ? again.data : undefined;
}

const keyFinders = new WeakMap<z.ZodType, (path: readonly PropertyKey[]) => string[]>();
function keysOf(schema: z.ZodType): (path: readonly PropertyKey[]) => string[] {
  let finder = keyFinders.get(schema);
  if (!finder) keyFinders.set(schema, (finder = knownKeys(schema)));
  return finder;
}

/**
 * A `${VAR}` substitution always yields text; resolve it as YAML would have resolved the same
 * text written literally, so `port: ${PG_PORT:-5432}` is the integer 5432.
 */
function coerceScalars(value: unknown, original: unknown): unknown {
  if (typeof value === 'string' && typeof original === 'string' && original.includes('${')) {
    // No leading zeros: "007" stays text (it may be a password or a postal code).
    if (/^-?(0|[1-9]\d*)$/.test(value)) return Number(value);
    if (value === 'true' || value === 'false') return value === 'true';
    return value;
  }
  if (Array.isArray(value)) return value.map((v, i) => coerceScalars(v, (original as unknown[])[i]));
  if (value !== null && typeof value === 'object') {
    const o = original as Record<string, unknown>;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, coerceScalars(v, o[k])]));
  }
  return value;
}

/** Key paths of every `__proto__` key in a parsed tree. */
function protoKeys(value: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(value)) return value.flatMap((v, i) => protoKeys(v, [...path, i]));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) =>
    k === '__proto__' ? [[...path, k]] : protoKeys(v, [...path, k]),
  );
}

/** Aliases one configuration may expand; far more than any real config uses. */
const MAX_ALIASES = 1000;

function aliasProblem(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  if (/Excessive alias count/i.test(message))
    return `more than ${MAX_ALIASES} alias expansions (nested aliases multiply): refused`;
  const unresolved = /Unresolved alias.*?: (\S+)/.exec(message);
  if (unresolved) return `alias *${unresolved[1]} names no anchor defined before it`;
  return message.split('\n')[0] ?? message;
}

/** process.env over `.env` in the project root: a real environment variable always wins. */
export function environment(root: string): NodeJS.ProcessEnv {
  const dotenvFile = path.join(root, '.env');
  let fromFile: Record<string, string> = {};
  if (existsSync(dotenvFile)) {
    try {
      fromFile = parseEnv(readFileSync(dotenvFile));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new ConfigError([
        {
          file: dotenvFile,
          path: '',
          message:
            code === 'EISDIR'
              ? 'is a directory; .env must be a file of NAME=value lines'
              : `cannot read (${code ?? String(e)})`,
        },
      ]);
    }
  }
  return { ...fromFile, ...process.env };
}
