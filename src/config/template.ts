/**
 * Query templates use `:name` bindings. We translate them to positional `?` placeholders ourselves
 * instead of relying on knex's named bindings, whose `:name:` form means an identifier and which
 * would misread PostgreSQL casts such as `x::date`. A value is never spliced into the SQL text.
 */
const BINDING = /(?<![:\w]):([A-Za-z_][A-Za-z0-9_]*)\b(?!:)/g;

/** Names of the `:name` bindings in a template, in order of first appearance. */
export function templateBindings(sql: string): string[] {
  const names = new Set<string>();
  for (const m of stripLiterals(sql).matchAll(BINDING)) names.add(m[1]!);
  return [...names];
}

export interface CompiledTemplate {
  sql: string;
  bindings: unknown[];
}

/** Replace `:name` with `?` (outside string literals and comments) and list the values in order. */
export function compileTemplate(sql: string, params: Record<string, unknown>): CompiledTemplate {
  const masked = stripLiterals(sql);
  const bindings: unknown[] = [];
  let out = '';
  let last = 0;
  for (const m of masked.matchAll(BINDING)) {
    const name = m[1]!;
    if (!Object.hasOwn(params, name)) throw new Error(`query template binding :${name} has no value`);
    out += sql.slice(last, m.index) + '?';
    bindings.push(params[name]);
    last = m.index + m[0].length;
  }
  return { sql: out + sql.slice(last), bindings };
}

/**
 * Clauses a template must not have at its top level: moh-etl wraps it with its own ORDER BY and
 * LIMIT for keyset batches, so an outer LIMIT or OFFSET would silently cut each batch's input and
 * an ORDER BY only makes the server sort twice. (Inside a subquery they are the author's business.)
 */
export function outerPagingClauses(sql: string): string[] {
  const masked = stripLiterals(sql);
  let depth = 0;
  let outer = '';
  for (const ch of masked) {
    if (ch === '(') depth++;
    else if (ch === ')') depth = Math.max(0, depth - 1);
    else if (depth === 0) outer += ch;
  }
  const found = new Set<string>();
  for (const m of outer.matchAll(/\b(ORDER\s+BY|LIMIT|OFFSET|FETCH\s+(?:FIRST|NEXT))\b/gi))
    found.add(m[1]!.toUpperCase().replace(/\s+/g, ' '));
  return [...found];
}

/** Blank out string literals and comments (keeping offsets) so bindings inside them are ignored. */
function stripLiterals(sql: string): string {
  return sql.replace(/'(?:[^']|'')*'|--[^\n]*|\/\*[\s\S]*?\*\//g, (s) => ' '.repeat(s.length));
}
