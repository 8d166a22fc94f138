/**
 * The failure predicate of each counting check, over the scoped rows aliased `v`. Values are
 * always bound, in the form the dialect compares correctly. NULL handling is explicit in every
 * predicate: a comparison with NULL is neither true nor false in SQL, which is how other tools let
 * NULLs pass accepted-values and relationship checks silently.
 */
import { parseDuration } from '../../config/duration.js';
import type { SqlFragment } from '../../extract/keyset.js';
import type { ColumnSpec, ColumnType } from '../../schema/column-types.js';
import type { CheckPlan } from '../compile.js';
import { dayEnd, dayStart, futureBound } from '../dates.js';
import type { CheckDialect } from './database.js';

export interface PredicateContext {
  dialect: CheckDialect;
  columns: readonly ColumnSpec[];
  now: Date;
  timeZone: string;
}

export const col = (dialect: Pick<CheckDialect, 'quoteIdentifier'>, name: string): string =>
  `v.${dialect.quoteIdentifier(name)}`;

/** Rows failing the check (undefined: the check is not a counting check). */
export function failurePredicate(p: CheckPlan, ctx: PredicateContext): SqlFragment | undefined {
  const c = p.config;
  const { dialect } = ctx;
  const column = p.columns[0] ? col(dialect, p.columns[0]) : '';
  const type = ctx.columns.find((x) => x.name === p.columns[0])?.type;
  const bind = (v: string | number) => (typeof v === 'string' && type ? dialect.formatBinding(v, type) : v);
  let terms: SqlFragment[];
  switch (c.check) {
    case 'not_null':
      return { sql: `${column} IS NULL`, bindings: [] };
    case 'range':
      terms = [];
      if (c.min !== undefined)
        terms.push({ sql: `${column} < ?`, bindings: [bind(rangeBound(c.min, type, ctx, false))] });
      if (c.max !== undefined)
        terms.push({
          sql: `${column} ${typeof c.max === 'string' ? '>=' : '>'} ?`,
          bindings: [bind(rangeBound(c.max, type, ctx, true))],
        });
      break;
    case 'accepted_values':
      terms = [
        {
          sql: `NOT (${column} IN (${c.values.map(() => '?').join(', ')}))`,
          bindings: c.values.map(literal),
        },
      ];
      break;
    case 'dates':
      terms = dateTerms(p, ctx, column, type!);
      break;
    case 'pattern': {
      // Only where the dialect has a regex match (DuckDB at dataset scope); elsewhere it streams.
      const match = dialect.capabilities.regexpMatch;
      if (!match) return undefined;
      terms = [{ sql: `NOT ${match.replace('{}', column)}`, bindings: [c.regex] }];
      break;
    }
    default:
      return undefined;
  }
  return withNullPolicy(column, terms, p.nulls ?? 'ignore');
}

function dateTerms(p: CheckPlan, ctx: PredicateContext, column: string, type: ColumnType): SqlFragment[] {
  const c = p.config;
  if (c.check !== 'dates') return [];
  const { dialect, timeZone } = ctx;
  const terms: SqlFragment[] = [];
  if (c.not_future !== undefined) {
    const bound = futureBound(type, ctx.now, parseDuration(c.not_future) ?? 0, timeZone);
    terms.push({ sql: `${column} > ?`, bindings: [dialect.formatBinding(bound, type)] });
  }
  if (c.min)
    terms.push({
      sql: `${column} < ?`,
      bindings: [dialect.formatBinding(dayStart(c.min, type, timeZone), type)],
    });
  if (c.max)
    terms.push({
      sql: `${column} >= ?`,
      bindings: [dialect.formatBinding(dayEnd(c.max, type, timeZone), type)],
    });
  if (c.not_before) terms.push({ sql: `${column} < ${col(dialect, c.not_before)}`, bindings: [] });
  return terms;
}

function rangeBound(
  v: string | number,
  type: ColumnType | undefined,
  ctx: PredicateContext,
  isMax: boolean,
): string | number {
  if (typeof v === 'number' || !type) return v;
  return isMax ? dayEnd(v, type, ctx.timeZone) : dayStart(v, type, ctx.timeZone);
}

function withNullPolicy(column: string, terms: SqlFragment[], nulls: 'ignore' | 'fail'): SqlFragment {
  const any = terms.length ? `(${terms.map((t) => t.sql).join(' OR ')})` : '1 = 0';
  const bindings = terms.flatMap((t) => t.bindings);
  return nulls === 'fail'
    ? { sql: `(${column} IS NULL OR ${any})`, bindings }
    : { sql: `(${column} IS NOT NULL AND ${any})`, bindings };
}

/** Booleans are bound as 1/0: SQLite and MySQL store them so, and PostgreSQL casts '1'/'0' to boolean. */
function literal(v: string | number | boolean): string | number {
  return typeof v === 'boolean' ? (v ? 1 : 0) : v;
}
