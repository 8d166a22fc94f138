/**
 * The package as a user gets it: `npm pack` of the built tree, installed into a temp TypeScript
 * project (one install per run, from the npm cache where it can), type-checked with `strict` and
 * `skipLibCheck: false`, then run: the engineer's scenario of creating the demo database, running
 * the pipeline through `defineConfig` + `runPipeline`, and reading data/processed/attendances with
 * DuckDB. The optional drivers are absent there, so a SQL Server connection shows the typed error.
 *
 * Needs the build (`npm run build`; `npm test` does it). The install takes about 20 s with a warm
 * npm cache (it prints its figures). Install scripts are skipped: better-sqlite3's native binding is
 * copied from this checkout's build of the same version (compiling it would add a minute), and
 * rebuilt with `npm rebuild` if the versions differ.
 */
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/config-fixture.js';

interface Packed {
  filename: string;
  size: number;
  unpackedSize: number;
  entryCount: number;
  files: { path: string }[];
}

const OPTIONAL_DRIVERS = ['tedious', 'oracledb', 'mysql2'];
const work = mkdtempSync(path.join(tmpdir(), 'moh-package-'));
const consumer = path.join(work, 'consumer');
let packed: Packed;
let installSeconds = 0;

function run(cmd: string, args: string[], options: SpawnSyncOptions = {}): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 300_000, ...options });
  if (r.error) throw r.error;
  if (r.status !== 0)
    throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}:\n${String(r.stdout)}\n${String(r.stderr)}`);
  return String(r.stdout);
}

const versionIn = (dir: string, name: string): string =>
  (
    JSON.parse(readFileSync(path.join(dir, 'node_modules', name, 'package.json'), 'utf8')) as {
      version: string;
    }
  ).version;

beforeAll(() => {
  if (!existsSync(path.join(REPO_ROOT, 'dist/src/index.js')))
    throw new Error('dist/src is not built: run `npm run build` first (npm test does)');
  // --ignore-scripts: `prepare` would rebuild dist under other tests using it; the build is given.
  const json = run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], {
    cwd: REPO_ROOT,
  });
  packed = (JSON.parse(json) as Packed[])[0]!;

  mkdirSync(consumer);
  const tools = ['typescript', '@types/node', '@types/better-sqlite3'];
  writeFileSync(
    path.join(consumer, 'package.json'),
    JSON.stringify({
      name: 'moh-etl-consumer',
      private: true,
      type: 'module',
      dependencies: { 'moh-etl': `file:${path.join(work, packed.filename)}` },
      devDependencies: Object.fromEntries(tools.map((t) => [t, versionIn(REPO_ROOT, t)])),
    }),
  );
  const t0 = Date.now();
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'], {
    cwd: consumer,
  });
  const binding = 'better-sqlite3/build/Release/better_sqlite3.node';
  if (versionIn(consumer, 'better-sqlite3') === versionIn(REPO_ROOT, 'better-sqlite3')) {
    mkdirSync(path.dirname(path.join(consumer, 'node_modules', binding)), { recursive: true });
    copyFileSync(path.join(REPO_ROOT, 'node_modules', binding), path.join(consumer, 'node_modules', binding));
  } else {
    run('npm', ['rebuild', 'better-sqlite3'], { cwd: consumer });
  }
  installSeconds = (Date.now() - t0) / 1000;
}, 600_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The production packages the install brought (devDependencies of the consumer left out) and their bytes. */
function installedTree(): { packages: number; bytes: number } {
  const lines = run('npm', ['ls', '--all', '--omit=dev', '--parseable'], { cwd: consumer })
    .split('\n')
    .filter((l) => l.includes('node_modules'));
  const dirs = [...new Set(lines)];
  const sizeOf = (dir: string): number =>
    readdirSync(dir, { withFileTypes: true }).reduce((sum, e) => {
      if (e.name === 'node_modules' && dir !== consumer) return sum; // nested packages are listed themselves
      const p = path.join(dir, e.name);
      return sum + (e.isDirectory() ? sizeOf(p) : lstatSync(p).size);
    }, 0);
  return { packages: dirs.length, bytes: dirs.reduce((s, d) => s + sizeOf(d), 0) };
}

describe('the packed package', () => {
  it('ships only what runs: compiled JavaScript and declarations, the example config and the user guides', () => {
    const files = packed.files.map((f) => f.path);
    const mb = (b: number) => (b / 1024 / 1024).toFixed(2);
    console.log(
      `package: ${packed.filename} ${mb(packed.size)} MB packed, ${mb(packed.unpackedSize)} MB unpacked, ${packed.entryCount} files`,
    );
    const allowed =
      /^(dist\/src\/.*\.(js|d\.ts)|config\/(database\.yml|queries\.yml|database\.schema\.json)|docs\/(QUICK_START|DATA_EXTRACTION_GUIDE)\.md|README\.md|package\.json)$/;
    expect(files.filter((f) => !allowed.test(f))).toEqual([]);
    for (const needed of [
      'dist/src/index.js',
      'dist/src/index.d.ts',
      'dist/src/cli/bin.js',
      'dist/src/write/parquet-worker.js',
      'dist/src/synth/worker.js',
      'config/database.yml',
    ])
      expect(files).toContain(needed);
    expect(
      files.some((f) => f.startsWith('test/') || f.startsWith('dist/scripts/') || f.endsWith('.map')),
    ).toBe(false);
  });

  it('installs without the optional drivers', () => {
    const tree = installedTree();
    console.log(
      `install: ${tree.packages} packages, ${(tree.bytes / 1024 / 1024).toFixed(0)} MB (moh-etl and its dependencies), in ${installSeconds.toFixed(0)} s`,
    );
    for (const driver of OPTIONAL_DRIVERS)
      expect(existsSync(path.join(consumer, 'node_modules', driver)), driver).toBe(false);
    for (const driver of ['pg', 'better-sqlite3', 'knex'])
      expect(existsSync(path.join(consumer, 'node_modules', driver))).toBe(true);
    expect(
      run(path.join(consumer, 'node_modules/.bin/moh-etl'), ['--version'], { cwd: consumer }).trim(),
    ).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('type-checks a strict consumer with skipLibCheck false, then runs it: demo, pipeline, DuckDB read, missing driver', () => {
    writeFileSync(path.join(consumer, 'tsconfig.json'), JSON.stringify(CONSUMER_TSCONFIG));
    writeFileSync(path.join(consumer, 'main.ts'), CONSUMER_MAIN);
    const tsc = spawnSync(
      process.execPath,
      [path.join(consumer, 'node_modules/typescript/bin/tsc'), '-p', consumer],
      {
        cwd: consumer,
        encoding: 'utf8',
      },
    );
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);

    const out = run(process.execPath, [path.join(consumer, 'out/main.js')], { cwd: consumer });
    const result = JSON.parse(out.trim().split('\n').at(-1)!) as ConsumerResult;
    expect(result.status).toBe('succeeded');
    expect(result.exitCode).toBe(0);
    expect(result.phases).toEqual(['extract', 'validate', 'transform', 'load']);
    expect(result.sourceRows).toBeGreaterThan(100);
    expect(result.processedRows).toBe(result.sourceRows);
    expect(result.months).toBeGreaterThanOrEqual(1);
    expect(result.sourcePatientSeen).toBe(false); // patient_id was pseudonymised on its way in
    expect(result.events).toEqual(expect.arrayContaining(['run-started', 'phase-finished', 'run-finished']));
    expect(result.runRecordWritten).toBe(true);
    expect(result.logHasRun).toBe(true);
    expect(result.drivers).toEqual({
      sqlite: true,
      postgres: true,
      mssql: false,
      oracle: false,
      mysql: false,
    });
    expect(result.missing).toEqual({
      name: 'DriverMissing',
      exitCode: 2,
      driver: 'tedious',
      message:
        'connection "warehouse" uses client mssql, whose driver (tedious, for SQL Server) is not installed: npm install tedious@19',
      hint: expect.stringContaining('optional peer dependencies') as unknown,
    });
    expect(result.openMissing).toBe(
      'DriverMissing: client mssql needs its driver (tedious, for SQL Server), which is not installed: npm install tedious@19',
    );
  });
});

interface ConsumerResult {
  status: string;
  exitCode: number;
  phases: string[];
  sourceRows: number;
  processedRows: number;
  months: number;
  sourcePatientSeen: boolean;
  events: string[];
  runRecordWritten: boolean;
  logHasRun: boolean;
  drivers: Record<string, boolean>;
  missing: unknown;
  openMissing: string;
}

const CONSUMER_TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    skipLibCheck: false,
    noUncheckedIndexedAccess: true,
    exactOptionalPropertyTypes: true,
    types: ['node'],
    outDir: 'out',
  },
  files: ['main.ts'],
};

/** The engineer's scenario, as a library user writes it. */
const CONSUMER_MAIN = `
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { DuckDBInstance } from '@duckdb/node-api';
import {
  createDemoDatabase, defineConfig, driverInstalled, DriverMissing, openConnection, runPipeline,
  type ConnectionConfig, type PipelineEvent, type RunRecord, type SourceInput,
} from 'moh-etl';

const root = process.cwd();
const db = new Database(path.join(root, 'demo.sqlite'));
await createDemoDatabase({ dialect: 'sqlite', db }, { scale: 0.01, days: 10, startDate: '2025-01-06' });
const sourceRows = (db.prepare('SELECT count(*) AS n FROM attendances').get() as { n: number }).n;
const firstPatient = (db.prepare('SELECT patient_id FROM attendances ORDER BY attendance_id LIMIT 1').get() as { patient_id: string }).patient_id;
db.close();

const attendances: SourceInput = {
  connection: 'demo',
  primary_key: ['attendance_id'],
  cursor_column: 'updated_at',
  sql: 'SELECT attendance_id, patient_id, polyclinic_code, visit_date, visit_type, updated_at FROM attendances',
};
const config = defineConfig(
  {
    connections: { demo: { client: 'sqlite', filename: 'demo.sqlite' } },
    sources: { attendances },
    transform: { sources: { attendances: { pii: { patient_id: 'pseudonymise' } } } },
    load: { sources: { attendances: { partition_by: { column: 'visit_date', granularity: 'month', name: 'visit_month' } } } },
    logging: { console_level: 'silent' },
  },
  { root, env: { MOH_PSEUDONYM_KEY: 'a-consumer-test-key-of-forty-characters!' } },
);
const events = new Set<PipelineEvent['type']>();
const record: RunRecord = await runPipeline({ config, onEvent: (e) => { events.add(e.type); } });

const duck = await DuckDBInstance.create(':memory:');
const con = await duck.connect();
const glob = "read_parquet('data/processed/attendances/**/*.parquet', hive_partitioning = true)";
const counts = (await con.runAndReadAll('SELECT count(*)::INTEGER AS n, count(DISTINCT visit_month)::INTEGER AS months FROM ' + glob)).getRowObjectsJS()[0]!;
const patients = (await con.runAndReadAll('SELECT DISTINCT patient_id FROM ' + glob)).getRowObjectsJS().map((r) => String(r['patient_id']));
con.closeSync();
duck.closeSync();

const warehouse = defineConfig(
  {
    connections: { warehouse: { client: 'mssql', host: 'sql.invalid', database: 'clinical', user: 'reader' } },
    sources: { claims: { connection: 'warehouse', primary_key: ['id'], mode: 'full', sql: 'SELECT id FROM claims' } },
  },
  { root: path.join(root, 'warehouse'), env: {} },
);
let missing: object | undefined;
try {
  await runPipeline({ config: warehouse, phases: ['extract'] });
} catch (e) {
  if (!(e instanceof DriverMissing)) throw e;
  missing = { name: e.name, exitCode: e.exitCode, driver: e.driver, message: e.message, hint: e.hint };
}
let openMissing = '';
try {
  const conn: ConnectionConfig = warehouse.config.connections['warehouse']!;
  await openConnection('warehouse', conn, root).close();
} catch (e) {
  openMissing = e instanceof DriverMissing ? 'DriverMissing: ' + e.message : String(e);
}

const clients = ['sqlite', 'postgres', 'mssql', 'oracle', 'mysql'] as const;
console.log(JSON.stringify({
  status: record.status,
  exitCode: record.exit_code,
  phases: record.phases,
  sourceRows,
  processedRows: counts['n'],
  months: counts['months'],
  sourcePatientSeen: patients.includes(firstPatient),
  events: [...events],
  runRecordWritten: existsSync(path.join(root, 'results/runs', record.run_id + '.json')),
  logHasRun: readFileSync(path.join(root, 'logs/extraction.log'), 'utf8').includes(record.run_id),
  drivers: Object.fromEntries(clients.map((c) => [c, driverInstalled(c)])),
  missing,
  openMissing,
}));
`;
