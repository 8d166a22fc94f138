/**
 * Mutations of the project directory around the config: `.env` as a directory or full of junk,
 * a referenced secret that is not set, config files missing or replaced by directories, files
 * where moh-etl expects directories (logs, results, data), and damaged state and run records.
 */
import { shown, type Expectation, type Mutator } from './mutation.js';
import { sourceNames } from './target.js';
import { set } from './yaml-paths.js';
import {
  addClinicalConnection,
  CANARY_VAR,
  DIRECTORY,
  KEY_VAR,
  MISSING,
  type Entry,
  type Workspace,
} from './workspace.js';

interface ProjectMutation {
  what: string;
  expect: Expectation;
  /** The command the mutation is about (default: one picked for config cases). */
  args?: string[];
  apply: (ws: Workspace) => void;
}

const put = (path: string, entry: Entry) => (ws: Workspace) => {
  ws.extras[path] = entry;
};

const SOURCE = 'patients';
const RUN_FILE = 'results/runs/20250101T000000Z-abcd.json';
const STATE_FILE = `data/state/${SOURCE}.json`;

/** Text a JSON reader must survive: truncated, of the wrong shape, or not JSON at all. */
const DAMAGED_JSON = [
  '',
  '{"run_id": "x", "sour',
  '{}',
  '[]',
  'null',
  '42',
  '"text"',
  '{"source": "patients", "watermark": {"columns": "updated_at", "values": 1}}',
  '{"source": "other"}',
  '{"run_id": "x", "command": "extract", "status": "succeeded", "sources": [{"rows": "a"}]}',
  '{"run_id": "x", "command": "extract", "status": "succeeded", "sources": {}}',
  '\u0000\u0001\u0002',
];

const MUTATIONS: ProjectMutation[] = [
  { what: '.env is a directory', expect: 'reject', apply: put('.env', DIRECTORY) },
  {
    what: 'referenced secret not set',
    expect: 'reject',
    apply: (ws) => {
      addClinicalConnection(ws);
      delete ws.env[CANARY_VAR];
    },
  },
  {
    what: 'pseudonymisation key not set',
    expect: 'any',
    args: ['run'],
    apply: (ws) => void delete ws.env[KEY_VAR],
  },
  { what: 'config/queries.yml missing', expect: 'reject', apply: put('config/queries.yml', MISSING) },
  {
    what: 'config/queries.yml is a directory',
    expect: 'reject',
    apply: put('config/queries.yml', DIRECTORY),
  },
  {
    what: 'config/database.yml is a directory',
    expect: 'reject',
    apply: put('config/database.yml', DIRECTORY),
  },
  {
    what: '.env junk',
    expect: 'any',
    apply: put('.env', 'export =\n\u0000\u0001\nNO_EQUALS\n=value\n"unterminated\n'),
  },
  {
    what: '.env with the canary twice and a long line',
    expect: 'any',
    apply: (ws) => {
      ws.extras['.env'] =
        `${CANARY_VAR}=${ws.canary}\n${CANARY_VAR}="${ws.canary}"\nLONG=${'z'.repeat(200_000)}\n`;
    },
  },
  { what: 'MOH_DEMO_DB empty', expect: 'any', apply: (ws) => void (ws.env.MOH_DEMO_DB = '') },
  { what: 'MOH_DEMO_DB is a directory', expect: 'any', apply: (ws) => void (ws.env.MOH_DEMO_DB = 'config') },
  { what: 'logs is a file', expect: 'any', apply: put('logs', 'not a directory\n') },
  { what: 'results is a file', expect: 'any', apply: put('results', 'not a directory\n') },
  { what: 'data is a file', expect: 'any', apply: put('data', 'not a directory\n') },
  { what: 'data/state is a file', expect: 'any', apply: put('data/state', 'not a directory\n') },
  { what: 'results/runs is a file', expect: 'any', args: ['status'], apply: put('results/runs', 'x\n') },
  // A directory setting that names a file: refused when the command needs it, in one line.
  ...['logging.directory', 'output.directory', 'extraction.state_dir', 'validation.report_dir'].flatMap(
    (key) =>
      ['/dev/null', 'config/database.yml'].map((file): ProjectMutation => ({
        what: `${key} is the file ${file}`,
        expect: 'any',
        apply: (ws) => set(ws.db, key.split('.'), file),
      })),
  ),
];

/**
 * Every source reads the canary's connection, which refuses at once: the secret goes through the
 * driver's error path, retries, the logs at trace level and the run record. One attempt, so no
 * retry delay.
 */
const everySourceOnCanary: Mutator = (ws, rng) => {
  addClinicalConnection(ws);
  for (const source of sourceNames(ws)) set(ws.db, ['sources', source, 'connection'], 'clinical');
  set(ws.db, ['extraction', 'retry', 'attempts'], 1);
  const args = rng.pick([
    ['check'],
    ['extract', '--dry-run'],
    ['status'],
    ['run', '--log-level', 'trace'],
    ['extract', '--log-level', 'trace'],
    ['validate', '--log-level', 'trace'],
  ]);
  return { label: 'every source reads the canary connection (port 1)', expect: 'any', args };
};

/** One change to the project directory. Damaged records are read by `status` (and `state reset`). */
export const projectMutation: Mutator = (ws, rng) => {
  if (rng.chance(0.2)) return everySourceOnCanary(ws, rng);
  if (rng.chance(0.35)) {
    const file = rng.pick([RUN_FILE, STATE_FILE]);
    const text = rng.pick(DAMAGED_JSON);
    ws.extras[file] = text;
    const args = file === STATE_FILE ? rng.pick([['status'], ['state', 'reset', SOURCE]]) : ['status'];
    return { label: `damaged ${file} = ${shown(text)}`, expect: 'any', args };
  }
  const m = rng.pick(MUTATIONS);
  m.apply(ws);
  return { label: `project: ${m.what}`, expect: m.expect, args: m.args };
};
