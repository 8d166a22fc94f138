/**
 * Mutations of config/queries.yml: templates that are not one read-only SELECT, that page their
 * own results, that bind what no param gives; and (probe) templates and keys that only a check
 * against the demo database can find wrong.
 */
import type { Rng } from '../../../src/synth/prng.js';
import { shown, type Applied, type Mutator } from './mutation.js';
import { RESERVED_NAMES } from './tree-mutations.js';
import { sourceNames } from './target.js';
import type { Workspace } from './workspace.js';
import { set } from './yaml-paths.js';

/** Statements a template must refuse, whatever the database. */
const NOT_ONE_SELECT = [
  'DELETE FROM patients',
  'UPDATE patients SET sex = NULL',
  'INSERT INTO patients (patient_id) VALUES (1)',
  'SELECT 1; DROP TABLE patients',
  'SELECT * FROM patients;',
  'SELECT * FROM patients; -- trailing',
  'WITH d AS (DELETE FROM patients RETURNING *) SELECT * FROM d',
  'SELECT * INTO patients_copy FROM patients',
  'SELECT * FROM patients FOR UPDATE',
  'SELECT * FROM patients FOR SHARE',
  'CREATE TABLE t AS SELECT * FROM patients',
  'DROP TABLE patients',
  'PRAGMA writable_schema = 1',
  "ATTACH DATABASE 'x.db' AS x",
  'VACUUM',
  'EXPLAIN SELECT * FROM patients',
  'CALL refresh()',
  '',
  '   ',
  '-- only a comment',
];

/** Outer clauses moh-etl adds itself: a template with them would cut or re-sort every batch. */
const OWN_PAGING = [
  'SELECT * FROM patients ORDER BY patient_id',
  'SELECT * FROM patients LIMIT 10',
  'SELECT * FROM patients LIMIT 10 OFFSET 5',
  'SELECT * FROM patients FETCH FIRST 5 ROWS ONLY',
  'SELECT * FROM patients\norder   by\tpatient_id DESC',
];

/** Bindings no param gives a value to, including names every JS object has. */
const UNBOUND = ['nosuch', ...RESERVED_NAMES.filter((n) => n !== '__proto__'), 'length'].map(
  (name) => `SELECT * FROM patients WHERE patient_id = :${name}`,
);

function templateNames(ws: Workspace): string[] {
  const root = ws.queries.contents as { items?: { key?: { value?: unknown } }[] } | null;
  return (root?.items ?? []).map((p) => String(p.key?.value));
}

/** One bad SQL text in a template used by a source (or a dialect override of it). */
export const badTemplate: Mutator = (ws, rng) => {
  const name = rng.pick(templateNames(ws));
  const sql = rng.pick([...NOT_ONE_SELECT, ...NOT_ONE_SELECT, ...OWN_PAGING, ...UNBOUND]);
  const where = rng.chance(0.2) ? ['dialects', 'sqlite'] : ['sql'];
  set(ws.queries, [name, ...where], sql);
  return { label: `template ${name}.${where.join('.')} = ${shown(sql)}`, expect: 'reject' };
};

/** A template whose shape is wrong: missing sql, wrong types, unknown keys and dialects. */
export const badTemplateShape: Mutator = (ws, rng) => {
  const name = rng.pick(templateNames(ws));
  const edits: [string, (w: Workspace) => void][] = [
    ['delete sql', (w) => w.queries.deleteIn([name, 'sql'])],
    ['sql: 42', (w) => set(w.queries, [name, 'sql'], 42)],
    ['sql: [list]', (w) => set(w.queries, [name, 'sql'], ['SELECT 1'])],
    ['sql: null', (w) => set(w.queries, [name, 'sql'], null)],
    ['unknown key sqll', (w) => set(w.queries, [name, 'sqll'], 'SELECT 1')],
    ['dialect mongo', (w) => set(w.queries, [name, 'dialects', 'mongo'], 'SELECT 1')],
    ['dialect sqlite empty', (w) => set(w.queries, [name, 'dialects', 'sqlite'], '')],
    ['template is text', (w) => set(w.queries, [name], 'SELECT * FROM patients')],
  ];
  const [what, edit] = rng.pick(edits);
  edit(ws);
  return { label: `template ${name}: ${what}`, expect: 'reject' };
};

/** A source pointing at a template under a reserved name (the template defined, so only the name is wrong). */
export const reservedTemplate: Mutator = (ws, rng) => {
  const reserved = rng.pick(RESERVED_NAMES);
  const source = rng.pick(sourceNames(ws));
  const sql = ws.queries.getIn([source, 'sql']) ?? 'SELECT 1';
  set(ws.queries, [reserved], { sql });
  set(ws.db, ['sources', source, 'query'], reserved);
  return { label: `template renamed to ${reserved} for source ${source}`, expect: 'reject' };
};

/**
 * Wrong only against the real tables: `check` probes each template with a zero-row query and
 * compares the columns the config names. The shared demo database must be reachable (probe).
 */
export const probedMistake: Mutator = (ws: Workspace, rng: Rng): Applied => {
  const source = rng.pick(sourceNames(ws).filter((s) => templateNames(ws).includes(s)));
  const edits: [string, (w: Workspace) => void][] = [
    ['pii_columns names no column', (w) => set(w.db, ['sources', source, 'pii_columns'], ['no_such_column'])],
    ['primary_key names no column', (w) => set(w.db, ['sources', source, 'primary_key'], ['no_such_column'])],
    [
      'cursor_column names no column',
      (w) => set(w.db, ['sources', source, 'cursor_column'], 'no_such_column'),
    ],
    ['date_column names no column', (w) => set(w.db, ['sources', source, 'date_column'], 'no_such_column')],
    ['template reads no table', (w) => set(w.queries, [source, 'sql'], 'SELECT * FROM no_such_table')],
    [
      'template reads no column',
      (w) => set(w.queries, [source, 'sql'], `SELECT no_such_column FROM ${source}`),
    ],
    ['template is not SQL', (w) => set(w.queries, [source, 'sql'], 'SELECT * FROM WHERE ,')],
  ];
  const [what, edit] = rng.pick(edits);
  edit(ws);
  return { label: `${what} (source ${source})`, expect: 'reject', probe: true };
};

export const TEMPLATE_MUTATORS: readonly (readonly [Mutator, number])[] = [
  [badTemplate, 6],
  [badTemplateShape, 2],
  [reservedTemplate, 1],
];
