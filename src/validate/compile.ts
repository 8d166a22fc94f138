/**
 * Configured checks → CheckPlans bound to the columns checked, each with the engine that runs it:
 * set-level and counting checks are pushed down to SQL; types, patterns and date rules on text
 * columns run over the streamed rows (patterns run in SQL where the dialect has a regex match:
 * DuckDB at dataset scope). A plan that cannot run (a column that is not in the query) carries its
 * problem and reports status `error` rather than stopping the other checks.
 */
import {
  FRESHNESS_LEVELS,
  type CheckConfig,
  type CheckScopeName,
  type Severity,
  type Threshold,
  type ValidationConfig,
} from '../config/validation-schema.js';
import type { ColumnSpec } from '../schema/column-types.js';
import type { CheckKind, Engine } from './result.js';

export interface CheckPlan {
  id: string;
  kind: CheckKind;
  columns: string[];
  /** Freshness: the severity of its highest configured threshold. */
  severity: Severity;
  warn?: Threshold;
  fail: Threshold;
  denominator: 'rows' | 'non_null';
  nulls?: 'ignore' | 'fail';
  engine: Engine;
  scope: CheckScopeName;
  config: CheckConfig;
  /** Why this check cannot run. */
  problem?: string;
}

/** What the database behind a scope can do that changes a check's engine. */
export interface CompileTarget {
  /** Patterns run in SQL (the dialect has `regexpMatch`). */
  sqlPatterns: boolean;
  /** Rows can be streamed to the row engine (false at dataset scope: checks there are SQL only). */
  stream: boolean;
}

/** A source database: patterns and text dates over the streamed rows. */
export const SOURCE_TARGET: CompileTarget = { sqlPatterns: false, stream: true };

/** The configured checks of `source` that run at `scope`, in configuration order. */
export function checksAt(settings: ValidationConfig, source: string, scope: CheckScopeName): CheckConfig[] {
  return (settings.sources[source] ?? []).filter((c) => c.scope === scope);
}

export function compileChecks(
  checks: readonly CheckConfig[],
  columns: readonly ColumnSpec[],
  target: CompileTarget = SOURCE_TARGET,
): CheckPlan[] {
  const plans = checks.flatMap(expand);
  const byName = new Map(columns.map((c) => [c.name, c]));
  const seen = new Map<string, number>();
  for (const p of plans) {
    const missing = referencedColumns(p).filter((c) => !byName.has(c));
    if (missing.length > 0) {
      p.problem = `column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} not in the ${p.scope === 'dataset' ? 'processed dataset' : "source's query"} (columns: ${columns.map((c) => c.name).join(', ')})`;
    }
    if (!p.problem) bindEngine(p, byName.get(p.columns[0]!), target);
    // Two checks of one kind on one column get distinct ids.
    const n = (seen.get(p.id) ?? 0) + 1;
    seen.set(p.id, n);
    if (n > 1) p.id = `${p.id}#${n}`;
  }
  return plans;
}

function bindEngine(p: CheckPlan, column: ColumnSpec | undefined, target: CompileTarget): void {
  const kind = column?.type.kind;
  const typed = kind === 'date' || kind === 'timestamp';
  // A date held as text is parsed row by row; a typed column is compared in SQL.
  if (p.kind === 'dates') p.engine = typed ? 'sql' : 'stream';
  if (p.kind === 'pattern' && target.sqlPatterns) p.engine = 'sql';
  if (p.kind === 'freshness' && !typed && kind !== 'string')
    p.problem = `freshness needs a date or timestamp column; ${p.columns[0]} is ${kind ?? 'unknown'}`;
  if (p.engine === 'stream' && !target.stream)
    p.problem =
      p.kind === 'dates'
        ? `${p.columns[0]} is text here: date rules on text run over streamed rows, at increment scope only`
        : `${p.kind} checks run over streamed rows, at increment scope only`;
}

function expand(config: CheckConfig): CheckPlan[] {
  if (config.check === 'freshness') return [freshnessPlan(config)];
  const base = {
    severity: config.severity,
    warn: config.warn,
    fail: config.fail,
    denominator: config.denominator,
    scope: config.scope,
    config,
  };
  const plan = (
    kind: CheckKind,
    columns: string[],
    engine: Engine,
    nulls?: 'ignore' | 'fail',
  ): CheckPlan => ({
    ...base,
    id: config.name ?? `${kind}(${columns.join(',')})`,
    kind,
    columns,
    engine,
    nulls,
  });
  switch (config.check) {
    case 'row_count':
      return [{ ...plan('row_count', [], 'sql'), id: config.name ?? 'row_count' }];
    case 'not_null':
      return config.columns.map((c) => plan('not_null', [c], 'sql'));
    case 'unique':
      return [plan('unique', config.columns, 'sql')];
    case 'references':
      return [plan('references', [config.column], 'sql', config.nulls)];
    case 'type':
      return [{ ...plan('type', Object.keys(config.columns ?? {}), 'stream'), id: config.name ?? 'type' }];
    case 'dates':
    case 'range':
    case 'accepted_values':
      return [plan(config.check, [config.column], 'sql', config.nulls)];
    case 'pattern':
      return [plan('pattern', [config.column], 'stream', config.nulls)];
  }
}

type FreshnessConfig = Extract<CheckConfig, { check: 'freshness' }>;

function freshnessPlan(config: FreshnessConfig): CheckPlan {
  const highest = FRESHNESS_LEVELS.filter((l) => config[l.key] !== undefined).at(-1);
  return {
    id: config.name ?? `freshness(${config.column})`,
    kind: 'freshness',
    columns: [config.column],
    severity: highest?.severity ?? 'error',
    fail: 0,
    denominator: 'rows',
    engine: 'sql',
    scope: config.scope,
    config,
  };
}

function referencedColumns(p: CheckPlan): string[] {
  const c = p.config;
  return c.check === 'dates' && c.not_before ? [...p.columns, c.not_before] : p.columns;
}
