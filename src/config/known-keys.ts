/**
 * The keys a configuration object may have at a key path, read from the JSON Schema generated from
 * the zod schema: an unknown key gets a did-you-mean (`sources.patients.primary_keys: unknown key
 * (did you mean "primary_key"?)`) without a second list of keys to keep in step.
 */
import * as z from 'zod';

type Node = Record<string, unknown>;

/** keysAt(path) for one zod schema (the JSON Schema is generated once, on first use). */
export function knownKeys(schema: z.ZodType): (path: readonly PropertyKey[]) => string[] {
  let root: Node | undefined;
  return (path) => {
    root ??= z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Node;
    return [...new Set(keysAt(root, root, path))];
  };
}

function keysAt(root: Node, node: Node, path: readonly PropertyKey[]): string[] {
  const variants = alternatives(root, node);
  if (path.length === 0)
    return variants.flatMap((v) => Object.keys((v.properties as Node | undefined) ?? {}));
  const [head, ...rest] = path;
  return variants.flatMap((v) => {
    if (typeof head === 'number' && isNode(v.items)) return keysAt(root, v.items, rest);
    const props = v.properties as Record<string, unknown> | undefined;
    const child = props && typeof head === 'string' ? props[head] : undefined;
    if (isNode(child)) return keysAt(root, child, rest);
    if (isNode(v.additionalProperties)) return keysAt(root, v.additionalProperties, rest);
    return [];
  });
}

/** The node itself, or each member of an anyOf/oneOf/allOf, with $refs resolved. */
function alternatives(root: Node, node: Node): Node[] {
  const resolved = deref(root, node);
  const members = ['anyOf', 'oneOf', 'allOf'].flatMap((k) =>
    Array.isArray(resolved[k]) ? (resolved[k] as unknown[]) : [],
  );
  return [resolved, ...members.filter(isNode).flatMap((m) => alternatives(root, m))];
}

function deref(root: Node, node: Node): Node {
  const ref = node.$ref;
  if (typeof ref !== 'string' || !ref.startsWith('#/')) return node;
  const target = ref
    .slice(2)
    .split('/')
    .reduce<unknown>((n, k) => (isNode(n) ? n[k] : undefined), root);
  return isNode(target) ? target : node;
}

const isNode = (v: unknown): v is Node => v !== null && typeof v === 'object' && !Array.isArray(v);
