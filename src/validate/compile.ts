/**
 * Configured checks → CheckPlans bound to the source's columns, each with the engine that runs it:
 * set-level and counting checks are pushed down to SQL; types, patterns and date rules on text
 * columns run over the streamed rows. A plan that cannot run (a column that is not in the query)
 * carries its problem and reports status `error` rather than stopping the other checks.
 */
import type { CheckConfig, Severity, Threshold } from '../config/validation-schema.js';
import type { ColumnSpec } from '../schema/column-types.js';
import type { CheckKind, Engine } from './result.js';

export interface CheckPlan {
  id: string;
  kind: CheckKind;
  columns: string[];
  severity: Severity;
  warn?: Threshold;
  fail: Threshold;
  denominator: 'rows' | 'non_null';
  nulls?: 'ignore' | 'fail';
  engine: Engine;
  config: CheckConfig;
  /** Why this check cannot run. */
  problem?: string;
}

export function compileChecks(checks: readonly CheckConfig[], columns: readonly ColumnSpec[]): CheckPlan[] {
  const plans = checks.flatMap(expand);
  const byName = new Map(columns.map((c) => [c.name, c]));
  const seen = new Map<string, number>();
  for (const p of plans) {
    const missing = referencedColumns(p).filter((c) => !byName.has(c));
    if (missing.length > 0) {
      p.problem = `column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} not in the source's query (columns: ${columns.map((c) => c.name).join(', ')})`;
    }
    if (p.kind === 'dates' && !p.problem) {
      const kind = byName.get(p.columns[0]!)!.type.kind;
      // A date held as text is parsed row by row; a typed column is compared in SQL.
      p.engine = kind === 'date' || kind === 'timestamp' ? 'sql' : 'stream';
    }
    // Two checks of one kind on one column get distinct ids.
    const n = (seen.get(p.id) ?? 0) + 1;
    seen.set(p.id, n);
    if (n > 1) p.id = `${p.id}#${n}`;
  }
  return plans;
}

function expand(config: CheckConfig): CheckPlan[] {
  const base = {
    severity: config.severity,
    warn: config.warn,
    fail: config.fail,
    denominator: config.denominator,
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

function referencedColumns(p: CheckPlan): string[] {
  const c = p.config;
  return c.check === 'dates' && c.not_before ? [...p.columns, c.not_before] : p.columns;
}
