/**
 * The fault matrix: the built CLI (`extract --sources events --mode incremental`), in a temp
 * project, hit mid-run by one fault at a time — the server ends its session, the server stops, the
 * output disk fills, the state directory turns read-only, SIGTERM, SIGINT. Faults fire once the
 * state file shows committed parts (progress, not sleeps). Each fault must fail cleanly (the right
 * exit code, one line naming the cause, no stack trace, no temp file, no lock in the way) and the
 * next run of the same command must resume the unfinished run and leave every row of the table
 * exactly once in the finished run directories, nothing pending.
 */
import { chmodSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../src/pipeline/summary.js';
import {
  describeEachDialect,
  dialects,
  serverOrSkip,
  tempDir,
  type DbConnection,
} from '../helpers/databases.js';
import {
  describeOutcome,
  runCliChild,
  type CliChildOptions,
  type CliOutcome,
  type RunningCli,
} from '../helpers/faults/cli-child.js';
import {
  EXTRACT_ARGS,
  createEvents,
  eventsProject,
  eventsTable,
  expectExactlyOnce,
  stateTempFiles,
  type EventsProject,
} from '../helpers/faults/events.js';
import { fullDiskAt, fullDiskMethod } from '../helpers/faults/full-disk.js';
import {
  startRestartablePostgres,
  type RestartablePostgres,
} from '../helpers/faults/restartable-postgres.js';
import { handOver, runAs } from '../helpers/faults/run-as.js';
import { sessionKiller, type SessionKiller } from '../helpers/faults/session-killer.js';
import { readState, runDirectories, tempFilesUnder } from '../helpers/project.js';
import { openClient, type SqlClient } from '../helpers/sql.js';

/** About twenty parts of 1,000 rows: a fault after part 2 or 3 lands with most of the run to go. */
const ROWS = 20_000;
/** Room on the full disk: about a quarter of the run's CSV (~1.2 MB), so it fills mid-run. */
const DISK_BYTES = 320 * 1024;

const log = (line: string) => console.log(`[fault-matrix] ${line}`);

/** A stack frame ("    at fn (file.js:1:2)"): a failure the user can act on never prints one. */
const STACK_FRAME = /^\s+at .+:\d+:\d+\)?$/m;

function expectNoStackTrace(run: CliOutcome): void {
  const output = run.stdout + run.stderr;
  expect(output, 'a stack trace was printed').not.toMatch(STACK_FRAME);
  expect(output, 'reported as an internal error').not.toMatch(/internal error/);
}

/** The source's one-line error in the run summary printed on stdout. */
function errorLine(run: CliOutcome): string {
  const lines = run.stdout.split('\n').filter((l) => l.startsWith('error: events: '));
  expect(lines, `one error line for the source\n${describeOutcome(run)}`).toHaveLength(1);
  return lines[0]!;
}

/** The record the run wrote to results/runs/<run_id>.json (its path is printed last). */
function runRecord(project: EventsProject, run: CliOutcome): RunSummary {
  const file = /^Run summary: (\S+)$/m.exec(run.stdout)?.[1];
  expect(file, `no run summary printed\n${describeOutcome(run)}`).toBeDefined();
  return JSON.parse(readFileSync(path.resolve(project.root, file!), 'utf8')) as RunSummary;
}

/** After a failed or stopped run: an unfinished run holds whole parts, and nothing half-written is left. */
function expectResumable(project: EventsProject, context: string): string {
  const pending = readState(project.loaded, 'events').pending;
  expect(pending, `${context}: no unfinished run to resume`).toBeDefined();
  expect(pending!.parts.length, `${context}: committed parts`).toBeGreaterThan(0);
  expect(pending!.rows, `${context}: rows committed`).toBeLessThan(ROWS);
  expect(tempFilesUnder(project.outputDir), `${context}: temp files in the output`).toEqual([]);
  expect(stateTempFiles(project), `${context}: temp files in the state directory`).toEqual([]);
  return pending!.run_id;
}

/**
 * The same command again: it resumes the unfinished run `resumed` and completes it; then the
 * invariant, with that run as the only run directory.
 */
async function rerunToTheEnd(
  project: EventsProject,
  want: Map<string, string[]>,
  resumed: string,
  context: string,
  extra: Partial<CliChildOptions> = {},
): Promise<void> {
  const run = await runCliChild({
    cwd: project.root,
    args: EXTRACT_ARGS,
    stateFile: project.stateFile,
    ...extra,
  });
  expect(run.code, `${context}: rerun\n${describeOutcome(run)}`).toBe(0);
  expect(expectExactlyOnce(project, want, context)).toEqual({ runs: 1, unfinished: 0 });
  expect(runDirectories(project.outputDir, 'events')[0]?.runId, `${context}: the rerun resumed`).toBe(
    resumed,
  );
  log(`${context}: rerun resumed ${resumed} and finished in ${run.ms} ms`);
}

/** The outcome's first line and the source's error, for the log (the full output goes with a failure). */
function brief(run: CliOutcome): string {
  const error = run.stdout.split('\n').find((l) => l.startsWith('error: events: '));
  return `${describeOutcome(run).split('\n')[0]}${error ? `\n  ${error}` : ''}`;
}

function firstRun(project: EventsProject, extra: Partial<CliChildOptions>): Promise<CliOutcome> {
  return runCliChild({ cwd: project.root, args: EXTRACT_ARGS, stateFile: project.stateFile, ...extra });
}

/** A round of session kills, and whether the run noticed it (logged a retry). */
interface KillRound {
  kills: number;
  noticed: boolean;
}

const RETRY_WARNING = /transient error; (resuming from the last checkpoint|parts were committed)/g;
const retriesIn = (stderr: string) => stderr.match(RETRY_WARNING)?.length ?? 0;

/**
 * End moh-etl's sessions every few milliseconds until the run logs a retry (or ends): a session
 * killed while idle in the pool is replaced without the run noticing, so one kill proves nothing.
 */
async function killUntilNoticed(killer: SessionKiller, running: RunningCli): Promise<KillRound> {
  const before = retriesIn(running.stderr());
  const deadline = Date.now() + 10_000;
  let kills = 0;
  while (!running.exited() && retriesIn(running.stderr()) === before && Date.now() < deadline) {
    kills += await killer.kill();
    await new Promise((r) => setTimeout(r, 2));
  }
  return { kills, noticed: retriesIn(running.stderr()) > before };
}

/** MariaDB: our own client's connection id, which the killer must spare. */
async function ownConnectionId(db: SqlClient): Promise<number> {
  const [row] = await db.rows<{ id: unknown }>('SELECT CONNECTION_ID() AS id');
  return Number(row!.id);
}

const servers = dialects.filter((d) => d.name !== 'sqlite');
const postgresOnly = dialects.filter((d) => d.name === 'postgres');

describeEachDialect(
  'fault matrix',
  (target, connection) => {
    let db: SqlClient;
    let want: Map<string, string[]>;
    beforeAll(async () => {
      db = await openClient(connection());
      await createEvents(db, ROWS);
      want = await eventsTable(db);
    });
    afterAll(() => db?.close());

    it('the server terminates the session mid-run: retried from the last checkpoint (or resumed by a rerun), exactly once', async () => {
      const context = `terminate backend [${target.name}]`;
      const dir = await tempDir('moh-etl-fault-');
      const project = eventsProject(dir.path, connection(), { retry: { attempts: 5 } });
      const spare = target.name === 'mariadb' ? [await ownConnectionId(db)] : [];
      const killer = await sessionKiller(connection(), spare);
      const faults: KillRound[] = [];
      let run: CliOutcome;
      try {
        const inject = async (running: RunningCli) =>
          void faults.push(await killUntilNoticed(killer, running));
        run = await firstRun(project, {
          faults: [
            { afterParts: 3, inject },
            { afterParts: 8, inject },
          ],
        });
      } finally {
        await killer.end();
      }
      const rounds = faults.map((f) => `${f.kills} sessions killed${f.noticed ? '' : ', not noticed'}`);
      log(`${context}: ${rounds.join('; ')}; ${brief(run)}`);
      expect(run.fired, `${context}: both rounds fired mid-run\n${describeOutcome(run)}`).toHaveLength(2);
      expectNoStackTrace(run);
      if (run.code === 0) {
        expect(
          faults.map((f) => f.noticed),
          `${context}: every round disrupted the run`,
        ).toEqual([true, true]);
        expect(expectExactlyOnce(project, want, context)).toEqual({ runs: 1, unfinished: 0 });
        return;
      }
      // The retry budget ran out: a failure naming the connection, and the next run finishes the job.
      expect(run.code, describeOutcome(run)).toBe(1);
      expect(errorLine(run), describeOutcome(run)).toContain('connection "src"');
      await rerunToTheEnd(project, want, expectResumable(project, context), context);
    });

    for (const [signal, code] of [
      ['SIGTERM', 143],
      ['SIGINT', 130],
    ] as const) {
      it(`${signal} mid-run: exit ${code}, run record "interrupted", lock released, no temp file; the rerun resumes, exactly once`, async () => {
        const context = `${signal} [${target.name}]`;
        const dir = await tempDir('moh-etl-fault-');
        const project = eventsProject(dir.path, connection());
        const run = await firstRun(project, {
          faults: [{ afterParts: 3, inject: (running) => void running.child.kill(signal) }],
        });
        log(`${context}: ${brief(run)}`);
        expect(run.fired, describeOutcome(run)).toHaveLength(1);
        expect(run.code, describeOutcome(run)).toBe(code);
        expect(run.stderr).toContain(`${signal}: stopping at the next part boundary`);
        expectNoStackTrace(run);
        const record = runRecord(project, run);
        expect(record).toMatchObject({ status: 'interrupted', exit_code: code });
        expect(record.sources[0]?.status).toBe('interrupted');
        expect(readState(project.loaded, 'events').last_run?.status).toBe('interrupted');
        expect(existsSync(project.lockFile), `${context}: lock left behind`).toBe(false);
        const resumed = expectResumable(project, context);
        await rerunToTheEnd(project, want, resumed, context);
      });
    }
  },
  servers,
);

describeEachDialect(
  'fault matrix',
  (target, connection) => {
    let db: SqlClient;
    let want: Map<string, string[]>;
    beforeAll(async () => {
      db = await openClient(connection());
      await createEvents(db, ROWS);
      want = await eventsTable(db);
    });
    afterAll(() => db?.close());

    it(`the output disk fills mid-run (${fullDiskMethod.method}: ${fullDiskMethod.why}): exit 1 naming the path, no temp file; with room again the rerun resumes, exactly once`, async () => {
      const context = `full disk (${fullDiskMethod.method}) [${target.name}]`;
      const dir = await tempDir('moh-etl-fault-');
      const project = eventsProject(path.join(dir.path, 'project'), connection());
      const disk = fullDiskAt(project.outputDir, DISK_BYTES, dir.path);
      try {
        const run = await firstRun(project, { nodeArgs: disk.nodeArgs(), env: disk.env() });
        log(`${context}: ${brief(run)}`);
        expect(run.code, describeOutcome(run)).toBe(1);
        const line = errorLine(run);
        expect(line).toContain('no space left on device');
        expect(line, 'names the file under the output directory').toContain(`${project.outputDir}/events/`);
        expectNoStackTrace(run);
        expect(runRecord(project, run).status).toBe('failed');
        expect(existsSync(project.lockFile), `${context}: lock left behind`).toBe(false);
        const resumed = expectResumable(project, context);
        disk.enlarge();
        await rerunToTheEnd(project, want, resumed, context, { nodeArgs: disk.nodeArgs(), env: disk.env() });
      } finally {
        disk.release();
      }
    });

    it(`the state directory turns read-only mid-run (${runAs.label}): exit 1 naming the path, the lock does not block; with permissions back the rerun resumes, exactly once`, async () => {
      const context = `read-only state [${target.name}]`;
      const dir = await tempDir('moh-etl-fault-');
      const project = eventsProject(dir.path, connection());
      handOver(dir.path);
      const user = runAs.user ? { user: runAs.user } : {};
      let run: CliOutcome;
      try {
        run = await firstRun(project, {
          ...user,
          faults: [{ afterParts: 2, inject: () => chmodSync(project.stateDir, 0o555) }],
        });
      } finally {
        chmodSync(project.stateDir, 0o750);
      }
      log(`${context}: ${brief(run)}`);
      expect(run.fired, describeOutcome(run)).toHaveLength(1);
      expect(run.code, describeOutcome(run)).toBe(1);
      const line = errorLine(run);
      expect(line).toContain('permission denied');
      expect(line, 'names the state directory').toContain(`${project.stateDir}/`);
      expectNoStackTrace(run);
      expect(runRecord(project, run).status).toBe('failed');
      log(
        `${context}: lock file ${existsSync(project.lockFile) ? 'left (stale: its pid is gone)' : 'removed'}`,
      );
      const resumed = expectResumable(project, context);
      await rerunToTheEnd(project, want, resumed, context, user);
    });
  },
  postgresOnly,
);

const pg = serverOrSkip('postgres');

describe.skipIf(!pg.available)(pg.title('fault matrix [dedicated postgres]'), () => {
  let server: RestartablePostgres;
  let conn: DbConnection;
  let want: Map<string, string[]>;
  beforeAll(async () => {
    server = await startRestartablePostgres();
    const { host, port, user, password, database } = server;
    conn = { dialect: 'postgres', host, port, user, password, database };
    // Our own client must be gone before the server stops (an idle pg client throws on shutdown).
    const db = await openClient(conn);
    try {
      await createEvents(db, ROWS);
      want = await eventsTable(db);
    } finally {
      await db.close();
    }
  });
  afterAll(() => server?.remove());

  it('the server stops mid-run: exit 1 with a hint naming the connection; once it is back the rerun resumes, exactly once', async () => {
    const context = 'server stopped [postgres]';
    const dir = await tempDir('moh-etl-fault-');
    const project = eventsProject(dir.path, conn);
    let run: CliOutcome;
    try {
      run = await firstRun(project, { faults: [{ afterParts: 3, inject: () => server.stop() }] });
    } finally {
      await server.start();
    }
    log(`${context}: ${brief(run)}`);
    expect(run.fired, describeOutcome(run)).toHaveLength(1);
    expect(run.code, describeOutcome(run)).toBe(1);
    expect(errorLine(run)).toContain('connection "src"');
    expectNoStackTrace(run);
    expect(runRecord(project, run).status).toBe('failed');
    expect(existsSync(project.lockFile), `${context}: lock left behind`).toBe(false);
    const resumed = expectResumable(project, context);
    await rerunToTheEnd(project, want, resumed, context);
  });
});
