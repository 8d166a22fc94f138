/**
 * Turns zod issues into ConfigProblems a person can act on: file, line, key path, what was found
 * and what was expected. Values at secret-looking keys are never echoed.
 */
import type * as z from 'zod';
import type { Document, LineCounter } from 'yaml';
import { isNode, isMap, isPair, isScalar } from 'yaml';
import type { ConfigProblem } from '../errors.js';
import { redactSecrets } from './secret.js';
import { didYouMean } from './suggest.js';

const SECRET_KEY = /pass(word)?|secret|token|api_?key|webhook|^url$/i;

export type KeyPath = readonly PropertyKey[];

export function formatPath(path: KeyPath): string {
  return path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
    .join('');
}

export interface YamlSource {
  file: string;
  doc: Document;
  lines: LineCounter;
}

/** The 1-based line of the node at `path`, or of its nearest existing ancestor. */
export function lineOf(src: YamlSource, path: KeyPath, keyNode = false): number | undefined {
  for (let n = path.length; n >= 0; n--) {
    const prefix = path.slice(0, n) as unknown[];
    const node: unknown = keyNode && n === path.length ? keyOf(src, prefix) : src.doc.getIn(prefix, true);
    if (isNode(node) && node.range) return src.lines.linePos(node.range[0]).line;
  }
  return undefined;
}

function keyOf(src: YamlSource, path: unknown[]): unknown {
  const parent: unknown = src.doc.getIn(path.slice(0, -1), true);
  if (!isMap(parent)) return undefined;
  const key = path[path.length - 1];
  const pair = parent.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === key);
  return pair?.key;
}

export function describeFound(value: unknown, path: KeyPath): string {
  const last = path[path.length - 1];
  if (typeof last === 'string' && SECRET_KEY.test(last)) return '(a value, not shown)';
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string')
    return redactSecrets(JSON.stringify(value.length > 60 ? value.slice(0, 57) + '...' : value));
  return redactSecrets(
    typeof value === 'number' || typeof value === 'boolean' ? String(value) : typeof value,
  );
}

/** One ConfigProblem per zod issue; an unknown key gets its own problem at the key's line. */
export function problemsFromZod(
  src: YamlSource,
  issues: z.core.$ZodIssue[],
  root: unknown,
  keysAt?: (path: readonly PropertyKey[]) => string[],
): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      const allowed = keysAt?.(issue.path) ?? [];
      for (const key of issue.keys) {
        const path = [...issue.path, key];
        out.push({
          file: src.file,
          line: lineOf(src, path, true),
          path: formatPath(path),
          // A key that other variants of a union take (a freshness check has no `severity`, its
          // thresholds carry it): suggesting the key itself would help nobody.
          message: allowed.includes(key)
            ? `"${key}" does not apply here (other kinds of this entry take it)`
            : `unknown key${didYouMean(key, allowed)}`,
        });
      }
      continue;
    }
    if (issue.code === 'invalid_key') {
      // A bad name under a record (a source called "constructor"): the key's own problem, at the key.
      const path = issue.path;
      const inner = issue.issues.map((i) => i.message).join('; ');
      out.push({
        file: src.file,
        line: lineOf(src, path, true),
        path: formatPath(path),
        message: `invalid name: ${inner.startsWith('expected') || inner.includes('reserved') ? inner : `expected ${inner}`}`,
      });
      continue;
    }
    const found = valueAt(root, issue.path);
    out.push({
      file: src.file,
      line: lineOf(src, issue.path),
      path: formatPath(issue.path),
      message: `${expected(issue)}, found ${describeFound(found, issue.path)}`,
    });
  }
  return out;
}

function expected(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${issue.expected === 'int' ? 'an integer' : issue.expected}`;
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_union':
      {
        // zod reports a bad discriminator with the allowed values in `options` (not in its types).
        const options = (issue as { options?: unknown[] }).options;
        if (options) return `expected one of ${options.map((v) => JSON.stringify(v)).join(', ')}`;
      }
      return issue.message.startsWith('Invalid input')
        ? 'expected a value of one of the allowed forms'
        : issue.message;
    case 'too_small':
      return issue.origin === 'array' || issue.origin === 'string'
        ? `expected at least ${String(issue.minimum)} ${issue.origin === 'array' ? 'item(s)' : 'character(s)'}`
        : `expected at least ${String(issue.minimum)}`;
    case 'too_big':
      return issue.origin === 'array' || issue.origin === 'string'
        ? `expected at most ${String(issue.maximum)} ${issue.origin === 'array' ? 'item(s)' : 'character(s)'}`
        : `expected at most ${String(issue.maximum)}`;
    default:
      return issue.message.startsWith('expected') ? issue.message : `expected ${issue.message}`;
  }
}

function valueAt(root: unknown, path: KeyPath): unknown {
  let cur = root;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}
