/**
 * Generic mutations of the parsed config tree: delete a key, give a key a value of the wrong type,
 * misspell a key, add a key named like a property of every JS object. The expectation follows
 * from the schema's shape (strict objects, records of names), never from the value's meaning.
 */
import type { Document } from 'yaml';
import type { Rng } from '../../../src/synth/prng.js';
import { shown, type Expectation, type Mutator } from './mutation.js';
import type { ConfigFile, Workspace } from './workspace.js';
import {
  addEntry,
  allNodes,
  isCollection,
  isPlainObject,
  renameKey,
  set,
  showPath,
  type Path,
} from './yaml-paths.js';

/**
 * Maps whose keys are names the user chooses (records), as path patterns (`*` any key, `#` any
 * index). Every other map is a strict object: an unknown key there is an error.
 */
const RECORDS: Record<ConfigFile, string[][]> = {
  'database.yml': [
    ['connections'],
    ['sources'],
    ['sources', '*', 'params'],
    ['validation', 'sources'],
    ['validation', 'sources', '*', '#', 'columns'],
    ['schedules'],
    ['alerts', 'channels'],
    ['alerts', 'channels', '*', 'headers'],
    ['transform', 'sources'],
    ['transform', 'sources', '*', 'pii'],
    ['transform', 'sources', '*', 'steps', '#', 'values'],
    ['load', 'sources'],
  ],
  'queries.yml': [[]],
};

/** Where a user-chosen name is a reference that must resolve, or a name that must not be reserved. */
export const RESERVED_NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'];

/** Keys without which the enclosing object (or the reference it makes) cannot be valid. */
const REQUIRED_KEYS = new Set(['client', 'filename', 'connection', 'primary_key', 'cron', 'check', 'sql']);

export function matches(path: Path, pattern: string[]): boolean {
  return (
    path.length === pattern.length &&
    pattern.every((p, i) => p === (typeof path[i] === 'number' ? '#' : '*') || p === String(path[i]))
  );
}

const underRecord = (file: ConfigFile, parent: Path) => RECORDS[file].some((r) => matches(parent, r));

const docOf = (ws: Workspace, file: ConfigFile): Document => (file === 'database.yml' ? ws.db : ws.queries);

const pickFile = (rng: Rng): ConfigFile => (rng.chance(0.8) ? 'database.yml' : 'queries.yml');

/** Values of every YAML type, including the ones people get wrong by accident. */
export const WRONG_VALUES: readonly unknown[] = [
  12345,
  -1,
  0,
  1.5,
  1e21,
  -1e21,
  NaN,
  Infinity,
  -Infinity,
  true,
  false,
  null,
  '',
  '   ',
  'NaN',
  'null',
  'yes',
  [],
  [1, 'two'],
  {},
  { x: 1 },
  'x'.repeat(70_000),
  'Ünïcödé ☃ 𝕏 \u202emoc.live',
  'line one\nline two',
  '${MOH_FUZZ_UNSET_VARIABLE}',
  '$${NOT_A_VARIABLE}',
  '2025-01-01',
  'a\u0000b',
  '%s%s%n',
  "'; DROP TABLE patients; --",
];

/** Delete a key or list item. Deleting something required (or referenced) must be rejected. */
export const deleteKey: Mutator = (ws, rng) => {
  const file = pickFile(rng);
  const doc = docOf(ws, file);
  const { path } = rng.pick(allNodes(doc));
  doc.deleteIn(path);
  const last = path[path.length - 1];
  const required =
    (typeof last === 'string' && REQUIRED_KEYS.has(last)) ||
    (file === 'database.yml' && path.length === 1 && (last === 'connections' || last === 'sources')) ||
    (file === 'database.yml' && showPath(path) === 'connections.demo') ||
    (file === 'queries.yml' && path.length === 1);
  return { label: `delete ${file} ${showPath(path)}`, expect: required ? 'reject' : 'any' };
};

/**
 * Replace a value by one of another type. Scalar ↔ collection and null are wrong for every key
 * of this schema; scalar → other scalar may be fine (a description can be "NaN").
 */
export const wrongType: Mutator = (ws, rng) => {
  const file = pickFile(rng);
  const doc = docOf(ws, file);
  const { path, value: old } = rng.pick(allNodes(doc));
  let value = rng.pick(WRONG_VALUES);
  if (Number.isNaN(value) && rng.chance(0.5)) value = 'nan'; // text, not .nan
  set(doc, path, value);
  const kindChanged = isCollection(old) !== isCollection(value);
  const expect: Expectation = value === null || kindChanged ? 'reject' : 'any';
  return { label: `set ${file} ${showPath(path)} = ${shown(value)}`, expect };
};

/** Misspell a key the way people do. In a strict object that must be an error. */
export const typoKey: Mutator = (ws, rng) => {
  const file = pickFile(rng);
  const doc = docOf(ws, file);
  const keyed = allNodes(doc).filter((n) => typeof n.path[n.path.length - 1] === 'string');
  const { path } = rng.pick(keyed);
  const key = String(path[path.length - 1]);
  const to = typo(rng, key);
  renameKey(doc, path, to);
  const expect: Expectation = underRecord(file, path.slice(0, -1)) ? 'any' : 'reject';
  return { label: `rename ${file} ${showPath(path)} to ${shown(to)}`, expect };
};

/** A misspelling of `key` that differs from it. */
export function typo(rng: Rng, key: string): string {
  const edits: ((k: string) => string)[] = [
    (k) => (k.length < 2 ? k + k : swapAt(k, rng.int(0, k.length - 2))),
    (k) => (k.length < 2 ? `${k}_` : removeAt(k, rng.int(0, k.length - 1))),
    (k) => insertAt(k, rng.int(0, k.length), k[rng.int(0, k.length - 1)] ?? 'x'),
    (k) => insertAt(k, rng.int(0, k.length), rng.pick([...'abcdefghijklmnopqrstuvwxyz_'])),
    (k) => (k[0] === k[0]?.toUpperCase() ? k.toUpperCase() + 'X' : k[0]!.toUpperCase() + k.slice(1)),
    (k) => (k.includes('_') ? k.replace('_', rng.pick(['-', '', ' '])) : `${k}s`),
    (k) => (k.endsWith('s') ? k.slice(0, -1) : `${k}s`),
    // Cyrillic look-alikes: the key reads right and is not the key.
    (k) => (/[aeopcx]/.test(k) ? k.replace(/[aeopcx]/, (c) => LOOKALIKE[c]!) : `${k}\u0430`),
    (k) => `${k}\u200b`,
    (k) => `${k} `,
  ];
  for (let attempt = 0; attempt < 8; attempt++) {
    const out = rng.pick(edits)(key);
    if (out !== key && out.trim() !== '') return out;
  }
  return `${key}_typo`;
}

const LOOKALIKE: Record<string, string> = {
  a: '\u0430',
  e: '\u0435',
  o: '\u043e',
  p: '\u0440',
  c: '\u0441',
  x: '\u0445',
};
const swapAt = (s: string, i: number) => s.slice(0, i) + s[i + 1] + s[i] + s.slice(i + 2);
const removeAt = (s: string, i: number) => s.slice(0, i) + s.slice(i + 1);
const insertAt = (s: string, i: number, c: string) => s.slice(0, i) + c + s.slice(i);

/**
 * Maps whose keys name things moh-etl looks up by name (sources, connections, jobs, channels,
 * templates, bindings): a name that is a property of every JS object must be refused there.
 * Column names and data values (`map` steps) are the database's business, not ours.
 */
const NAMED: Record<ConfigFile, string[][]> = {
  'database.yml': [
    ['connections'],
    ['sources'],
    ['sources', '*', 'params'],
    ['validation', 'sources'],
    ['schedules'],
    ['alerts', 'channels'],
    ['transform', 'sources'],
    ['load', 'sources'],
  ],
  'queries.yml': [[]],
};

/** Add an entry named `__proto__`, `constructor`, … to a map of names, copying a sibling. */
export const reservedKey: Mutator = (ws, rng) => {
  const name = rng.pick(RESERVED_NAMES);
  const { file, path, siblingName, sibling } = rng.pick(namedMaps(ws));
  let value = structuredClone(sibling);
  if (file === 'database.yml' && showPath(path) === 'sources' && isPlainObject(value)) {
    // Its own template would be a second reserved name: the copy reads its sibling's template.
    value = { ...value, query: value.query ?? siblingName };
  }
  addEntry(docOf(ws, file), path, name, value);
  const where = path.length ? showPath(path) : '(top level)';
  return { label: `add ${file} ${where}.${name} (a copy of ${siblingName})`, expect: 'reject' };
};

interface NamedMap {
  file: ConfigFile;
  path: Path;
  siblingName: string;
  sibling: unknown;
}

/** Maps of names present in this workspace that hold at least one entry to copy. */
function namedMaps(ws: Workspace): NamedMap[] {
  const out: NamedMap[] = [];
  for (const file of ['database.yml', 'queries.yml'] as const) {
    const doc = docOf(ws, file);
    for (const { path, value } of [{ path: [] as Path, value: doc.toJS() as unknown }, ...allNodes(doc)]) {
      if (!isPlainObject(value) || !NAMED[file].some((r) => matches(path, r))) continue;
      const [first] = Object.entries(value);
      if (first) out.push({ file, path, siblingName: first[0], sibling: first[1] });
    }
  }
  return out;
}

/** The generic tree mutators and their weights. */
export const TREE_MUTATORS: readonly (readonly [Mutator, number])[] = [
  [deleteKey, 3],
  [wrongType, 5],
  [typoKey, 4],
  [reservedKey, 2],
];
