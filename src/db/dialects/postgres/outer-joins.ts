/**
 * The tables on the NULL-extended side of the outer joins in a statement (the right of a LEFT JOIN,
 * the left of a RIGHT JOIN, both sides of a FULL JOIN), so that PostgreSQL's RowDescription, which
 * names a column's table even there, can be trusted for the other tables: in
 * `attendances a LEFT JOIN patients p`, a NOT NULL column of attendances stays NOT NULL.
 *
 * Read with node-sql-parser, and only trusted where it is plainly right. Anything it cannot parse
 * or that this walk does not know (VALUES, ROWS FROM, a CTE referring to itself), or an outer join
 * the lexer sees but the walk did not meet (in a WHERE subquery, or misparsed), gives undefined:
 * every column nullable. Where it errs, it errs towards more tables: a derived table, CTE or
 * joined group on the NULL side counts whole; a RIGHT or FULL JOIN counts every item before it (a
 * comma binds looser than JOIN, so this may be more than the join's own left side); each item
 * counts under its name and alias (the parser reads `ONLY t` as the table "ONLY" aliased t), and
 * names are compared case-insensitively, whatever their schema.
 */
import { sqlParser } from '../../../config/sql-parser.js';
import { words } from '../../../config/statement-check.js';

/** The few AST members walked here (node-sql-parser's own types are loose). */
interface SelectNode {
  type?: string;
  with?: { name?: { value?: string }; stmt?: SelectNode & { ast?: SelectNode } }[] | null;
  from?: FromItem[] | null;
  _next?: SelectNode;
}
interface FromItem {
  db?: string | null;
  table?: string;
  as?: string | null;
  join?: string;
  type?: string;
  expr?: { ast?: SelectNode; type?: string; expr?: FromItem[] };
}

class Unreadable extends Error {}

interface Walk {
  tables: Set<string>;
  ctes: Map<string, SelectNode>;
  /** From items that are the right operand of an outer join, each counted once. */
  outerJoins: Set<FromItem>;
  depth: number;
}

/** Lower-case names (and aliases) of the tables that may be NULL-extended; undefined: cannot tell. */
export function outerJoinedTables(sql: string): Set<string> | undefined {
  let ast: unknown;
  try {
    ast = sqlParser('postgresql').astify(sql, { database: 'postgresql' });
  } catch {
    return undefined;
  }
  const statements = (Array.isArray(ast) ? ast : [ast]) as SelectNode[];
  if (statements.length !== 1) return undefined;
  const walk: Walk = { tables: new Set(), ctes: new Map(), outerJoins: new Set(), depth: 0 };
  try {
    walkSelect(statements[0]!, false, walk);
  } catch (e) {
    if (e instanceof Unreadable) return undefined;
    throw e;
  }
  return walk.outerJoins.size === outerJoinCount(sql) ? walk.tables : undefined;
}

/** Outer joins as the lexer sees them: LEFT/RIGHT/FULL followed by JOIN or OUTER. */
function outerJoinCount(sql: string): number {
  const tokens = words(sql);
  return tokens.filter(
    (w, i) => ['LEFT', 'RIGHT', 'FULL'].includes(w) && ['JOIN', 'OUTER'].includes(tokens[i + 1] ?? ''),
  ).length;
}

function walkSelect(node: SelectNode, nullable: boolean, walk: Walk): void {
  // A CTE that refers to itself (WITH RECURSIVE) would walk forever: give up instead.
  if (++walk.depth > 64) throw new Unreadable();
  for (let s: SelectNode | undefined = node; s; s = s._next) {
    if (s.type !== 'select') throw new Unreadable();
    for (const cte of s.with ?? []) {
      const body = cte.stmt?.ast ?? cte.stmt;
      if (!cte.name?.value || !body) throw new Unreadable();
      walk.ctes.set(cte.name.value.toLowerCase(), body);
    }
    if (s.from) walkFrom(s.from, nullable, walk);
  }
  walk.depth--;
}

function walkFrom(items: readonly FromItem[], nullable: boolean, walk: Walk): void {
  const nullSide = items.map(() => nullable);
  items.forEach((item, i) => {
    const kind = joinKind(item.join);
    if (kind === 'inner') return;
    walk.outerJoins.add(item);
    if (kind === 'left' || kind === 'full') nullSide[i] = true;
    if (kind === 'right' || kind === 'full') for (let j = 0; j < i; j++) nullSide[j] = true;
  });
  items.forEach((item, i) => walkItem(item, nullSide[i]!, walk));
}

function walkItem(item: FromItem, nullable: boolean, walk: Walk): void {
  if (typeof item.table === 'string' && !item.expr) {
    if (nullable)
      for (const name of [item.table, item.as?.replace(/\(.*$/s, '')])
        if (name) walk.tables.add(name.trim().toLowerCase());
    // A CTE of that name, or a table: walk the CTE as well (its scope is not tracked here).
    const cte = item.db ? undefined : walk.ctes.get(item.table.toLowerCase());
    if (cte) walkSelect(cte, nullable, walk);
  } else if (item.expr?.ast) walkSelect(item.expr.ast, nullable, walk);
  else if (item.expr?.type === 'tables' && item.expr.expr) walkFrom(item.expr.expr, nullable, walk);
  // A function in FROM (generate_series, unnest): its columns name no table.
  else if (item.type !== 'expr' || item.expr?.type !== 'function') throw new Unreadable();
}

function joinKind(join: string | undefined): 'inner' | 'left' | 'right' | 'full' {
  const j = (join ?? '').toUpperCase();
  if (/\bLEFT\b/.test(j)) return 'left';
  if (/\bRIGHT\b/.test(j)) return 'right';
  if (/\bFULL\b/.test(j)) return 'full';
  if (j === '' || /^(INNER |CROSS |NATURAL )?JOIN$/.test(j)) return 'inner';
  throw new Unreadable();
}
