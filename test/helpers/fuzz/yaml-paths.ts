/**
 * Paths into a YAML document, and the edits mutations make through them: every node's path,
 * renaming a key in place, and adding a key (even `__proto__`) without going through a JS object.
 */
import { isMap, isPair, isScalar, type Document } from 'yaml';

export type Path = (string | number)[];

export interface Located {
  path: Path;
  value: unknown;
}

/** Every node below the root, depth first, with its plain JS value. */
export function allNodes(doc: Document): Located[] {
  const out: Located[] = [];
  const walk = (value: unknown, path: Path) => {
    if (path.length > 0) out.push({ path, value });
    if (Array.isArray(value)) value.forEach((v, i) => walk(v, [...path, i]));
    else if (isPlainObject(value)) for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
  };
  walk(doc.toJS(), []);
  return out;
}

/** Nodes whose path matches `test`. */
export function findNodes(doc: Document, test: (path: Path, value: unknown) => boolean): Located[] {
  return allNodes(doc).filter((n) => test(n.path, n.value));
}

/** `a.b[2].c`, as the failure message shows a path. */
export function showPath(path: Path): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

/** Rename the key at `path` (a map entry) to `to`, keeping its value and position. */
export function renameKey(doc: Document, path: Path, to: string): boolean {
  const parent: unknown = doc.getIn(path.slice(0, -1), true);
  const key = path[path.length - 1];
  const map = path.length === 1 ? doc.contents : parent;
  if (!isMap(map)) return false;
  const pair = map.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === key);
  if (!pair || !isScalar(pair.key)) return false;
  pair.key.value = to;
  return true;
}

/** Set the value at `path` as YAML nodes (a plain object left in the tree would block later edits). */
export function set(doc: Document, path: Path, value: unknown): void {
  doc.setIn(path, doc.createNode(value));
}

/** Add `key: value` to the map at `path` (created if missing), whatever the key is. */
export function addEntry(doc: Document, path: Path, key: string, value: unknown): void {
  if (path.length > 0 && !doc.hasIn(path)) set(doc, path, {});
  const map: unknown = path.length === 0 ? doc.contents : doc.getIn(path, true);
  if (!isMap(map)) {
    set(doc, [...path, key], value);
    return;
  }
  map.items.push(doc.createPair(key, value));
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Whether a value is a YAML collection (map or sequence) rather than a scalar. */
export function isCollection(value: unknown): boolean {
  return Array.isArray(value) || isPlainObject(value);
}
