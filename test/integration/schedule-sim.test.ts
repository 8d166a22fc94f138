/**
 * Thirty simulated days of `moh-etl schedule` on PostgreSQL (issue 10). runScheduler runs on a
 * fake clock; each tick advances the demo database by one day and the scheduler fires
 * `daily_incremental` at 02:00, which starts the built CLI as a child process (`moh-etl run --job
 * daily_incremental --scheduled-for …`), as the real scheduler does. A seeded plan adds faults:
 * on a few days the extractor's session is terminated after its first committed part (transient:
 * the run retries from its checkpoint and succeeds, and nobody is paged); on one day the role's
 * password is changed (permanent: the run fails, one run_failure alert; an operator's retry the
 * same day fails too and its alert is throttled), and the next day it is restored (the run
 * succeeds, catches up both days, and a recovery alert is sent).
 *
 * Checked every day: the run's outcome, the alerts that reached a local webhook sink, the ledger,
 * and data/processed against the source (every key once, every value equal). At the end: the run
 * records, the Prometheus textfile and jobStatus agree with what happened, nothing was missed, and
 * no password was written anywhere. Needs `npm run build` first (the children run dist/).
 * MOH_SIM_SEED=<seed> replays a plan; MOH_SIM_DAYS shortens the simulation while iterating;
 * MOH_SIM_KEEP=1 keeps the project (each run's output is in its sim/ directory).
 */
import { randomInt } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoadedConfig } from '../../src/config/load.js';
import { nextRuns, runScheduler, type ScheduleEvent } from '../../src/schedule/index.js';
import { formatDate, parseDate } from '../../src/synth/calendar.js';
import { attendanceCount } from '../../src/synth/index.js';
import { BIN } from '../helpers/cli.js';
import { csvRecords } from '../helpers/csv.js';
import {
  freshDatabase,
  serverOrSkip,
  tempDir,
  type DbConnection,
  type TempDir,
} from '../helpers/databases.js';
import { advance, loadDemo, projectFor } from '../helpers/demo-source.js';
import { startHttpSink, type HttpSink } from '../helpers/http-sink.js';
import { alertShape, dayLine, suppressedAlerts, type DayReport } from '../helpers/schedule-sim/day-report.js';
import { createExtractorRole, type ExtractorRole } from '../helpers/schedule-sim/extractor-role.js';
import { SimJobRunner } from '../helpers/schedule-sim/job-runner.js';
import { secretLeaks } from '../helpers/schedule-sim/leaks.js';
import {
  expectHistory,
  expectLedger,
  expectSchedulerEvents,
  settledLedger,
} from '../helpers/schedule-sim/expect-history.js';
import { dayKind, describePlan, simPlan, type SimPlan } from '../helpers/schedule-sim/plan.js';
import { compareProcessed, type SeenKeys } from '../helpers/schedule-sim/processed.js';
import {
  CRON,
  JOB,
  PART_ROWS,
  SIM_SOURCES,
  TIMEZONE,
  WEBHOOK_ENV,
  simProject,
  type SimSource,
} from '../helpers/schedule-sim/project.js';
import { simSchedulerOptions } from '../helpers/schedule-sim/scheduler-options.js';
import { SimTime } from '../helpers/schedule-sim/sim-time.js';

const DAYS = Number(process.env.MOH_SIM_DAYS ?? 30);
const SEED = process.env.MOH_SIM_SEED ? Number(process.env.MOH_SIM_SEED) : randomInt(2 ** 31);
/** A small demo: about 50 attendances a weekday; ten days exist before the first run. */
const DEMO = { seed: 11, scale: 0.002, days: 10, startDate: '2025-01-01' } as const;
/** How long each attendances statement sleeps while a transient fault is armed. */
const PAUSE_MS = 300;
const log = (line: string) => console.log(`[schedule-sim] ${line}`);

/** The demo day that simulated day d's tick adds (days since 1970). */
const demoDay = (d: number) => parseDate(DEMO.startDate) + DEMO.days + d - 1;
const perSource = (f: (s: SimSource) => number) =>
  Object.fromEntries(SIM_SOURCES.map((s) => [s, f(s)])) as Record<SimSource, number>;

const pg = serverOrSkip('postgres');

describe.skipIf(!pg.available)(pg.title(`the scheduler over ${DAYS} simulated days with faults`), () => {
  let dropDatabase: () => Promise<void>;
  let admin: DbConnection;
  let role: ExtractorRole;
  let sink: HttpSink;
  let dir: TempDir;
  let project: LoadedConfig;
  let oracle: LoadedConfig;
  let env: NodeJS.ProcessEnv;
  let plan: SimPlan;
  /** What each simulated day did, filled by the first test. */
  const reports: DayReport[] = [];

  beforeAll(async () => {
    if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run npm run build first`);
    const db = await freshDatabase('postgres');
    dropDatabase = db.drop;
    const { host, port, user, password, database } = db;
    admin = { dialect: 'postgres', host, port, user, password, database };
    await loadDemo(admin, DEMO);
    role = await createExtractorRole(admin);
    sink = await startHttpSink();
    dir = await tempDir('moh-etl-schedule-sim-');
    const url = sink.url('/hooks/moh-etl');
    env = { ...process.env, NO_COLOR: '1', [WEBHOOK_ENV]: url };
    project = simProject(path.join(dir.path, 'project'), role.connection, { [WEBHOOK_ENV]: url });
    mkdirSync(path.join(project.root, 'sim'));
    // The truth: full extractions with the admin login, in a project of their own.
    oracle = projectFor(path.join(dir.path, 'oracle'), admin);
    plan = simPlan({
      seed: SEED,
      days: DAYS,
      busy: (d) => attendanceCount(DEMO.seed, demoDay(d), DEMO.scale) >= 2 * PART_ROWS,
    });
    log(describePlan(plan));
  });
  afterAll(async () => {
    await sink?.close();
    await role?.drop();
    await dropDatabase?.();
    if (process.env.MOH_SIM_KEEP) log(`kept ${dir.path} (MOH_SIM_KEEP)`);
    else await dir?.remove();
  });

  it('lands every day once, pages once for the outage and once for its recovery, and counts it all', async () => {
    const start = new Date(`${formatDate(demoDay(1))}T03:00:00+08:00`);
    const due = nextRuns({ cron: CRON, timezone: TIMEZONE }, start, DAYS);
    const job = project.config.schedules[JOB]!;
    const runner = new SimJobRunner({
      root: project.root,
      configFile: project.file,
      env,
      role,
      faultSource: 'attendances',
    });
    const deleted = perSource(() => 0);
    const seen = Object.fromEntries(SIM_SOURCES.map((s) => [s, new Set<string>()])) as SeenKeys;
    const events: ScheduleEvent[] = [];
    const problems: string[] = [];
    let today: Pick<DayReport, 'day' | 'kind' | 'scheduledFor' | 'inserted' | 'deleted'> & {
      alertsBefore: number;
    };

    const time = new SimTime(start, {
      due,
      idle: () => runner.idle(),
      async beforeDay(day) {
        const changes = await advance(admin, 1);
        for (const s of SIM_SOURCES) deleted[s] += changes.deleted[s];
        const kind = dayKind(plan, day);
        if (kind === 'permanent') await role.breakPassword();
        if (kind === 'recovery') await role.restorePassword();
        if (kind === 'transient') await role.setPause(PAUSE_MS);
        runner.next(`day ${day}`, kind === 'transient');
        const inserted = perSource((s) => changes.counts[s] + changes.late[s]);
        const deletedToday = perSource((s) => changes.deleted[s]);
        today = {
          day,
          kind,
          scheduledFor: due[day - 1]!.toISOString(),
          inserted,
          deleted: deletedToday,
          alertsBefore: sink.requests.length,
        };
      },
      async afterDay(day) {
        const { alertsBefore, ...report } = today;
        const run = runner.runs.find((r) => r.label === `day ${day}`);
        // An operator retries the failed job by hand while the password is still wrong.
        const retry =
          report.kind === 'permanent' ? await runner.byHand(`day ${day} retry`, JOB, job) : undefined;
        const full: DayReport = {
          ...report,
          ...(run ? { run } : {}),
          ...(retry ? { retry, suppressed: suppressedAlerts(scheduler.files.alertState) } : {}),
          alerts: sink.requests.slice(alertsBefore).map((r) => r.json),
          ledger: await settledLedger(scheduler.files.ledger, report.scheduledFor),
          differences: await compareProcessed(project, oracle, SIM_SOURCES, seen),
        };
        reports.push(full);
        log(dayLine(full));
      },
    });
    const scheduler = simSchedulerOptions(project, {
      clock: time.clock,
      sleep: time.sleep,
      signal: time.stop.signal,
      runJob: runner.runJob,
      events,
      problems,
    });

    const t0 = performance.now();
    const result = await runScheduler(scheduler.options);
    await scheduler.flush();
    log(
      `${DAYS} days in ${((performance.now() - t0) / 1000).toFixed(1)} s (${time.sleeps} scheduler sleeps)`,
    );
    expect(result).toEqual({ exitCode: 0, interrupted: [], abandoned: [] });
    // The scheduler logs a failed run at warn; nothing else may be a problem.
    expect(problems.filter((p) => !p.startsWith('warn: job finished'))).toEqual([]);
    expect(reports.map((r) => r.day)).toEqual(Array.from({ length: DAYS }, (_, i) => i + 1));

    for (const r of reports) expectDay(r, reports[r.day - 2], deleted);
    expectSchedulerEvents(events, due);
    await expectLedger(scheduler, due);
    log(await expectHistory(scheduler, project, reports));
    const outputs = Object.fromEntries(runner.runs.map((r) => [`output of ${r.label}`, r.output]));
    const bodies = Object.fromEntries(sink.requests.map((r, i) => [`webhook request ${i + 1}`, r.body]));
    expect(secretLeaks(project.root, role.passwords, { ...outputs, ...bodies })).toEqual([]);
  }, 600_000);

  // Not part of issue 10's list, but "the metrics match what happened": the run record (and the
  // run metrics built from it) must count the rows of every phase, including the parts an attempt
  // committed before a transient fault. Reads the records the simulation above left.
  it('counts every phase of a retried run, including the parts committed before the fault', () => {
    expect(reports.length, 'the simulation above ran to its end').toBe(DAYS);
    const mismatches = reports.flatMap((r) =>
      (r.run?.record?.sources ?? [])
        .filter((s) => s.status === 'succeeded')
        .flatMap((s) => {
          const p = s.phases ?? {};
          const counts = {
            'extract rows_out': p.extract?.rows_out,
            'transform rows_in': p.transform?.rows_in,
            'transform rows_out': p.transform?.rows_out,
            'load rows_in': p.load?.rows_in,
          };
          return Object.entries(counts)
            .filter(([, n]) => n !== s.rows)
            .map(([what, n]) => `day ${r.day} (${r.kind}) ${s.source}: ${what} ${n}, extracted ${s.rows}`);
        }),
    );
    expect(mismatches).toEqual([]);
  });

  /** One day's outcome, as the plan says it must be. */
  function expectDay(
    r: DayReport,
    previous: DayReport | undefined,
    deletedInAll: Record<SimSource, number>,
  ): void {
    const at = `day ${r.day} (${r.kind})`;
    const run = r.run!;
    expect(run, `${at}: the scheduler started no run`).toBeDefined();
    const failed = r.kind === 'permanent';
    expect(run.result, `${at}\n${run.output}`).toEqual(
      failed ? { status: 'failed', exitCode: 1 } : { status: 'succeeded', exitCode: 0 },
    );
    expect(r.ledger, at).toMatchObject({ settled_until: r.scheduledFor });
    expect(r.ledger?.in_flight, at).toBeUndefined();
    expect(r.ledger?.last_outcome, at).toMatchObject({
      scheduled_for: r.scheduledFor,
      status: run.result.status,
    });
    expect(run.record, at).toMatchObject({ job: JOB, trigger: 'schedule', status: run.result.status });
    expect(
      run.record!.sources.map((s) => s.source),
      at,
    ).toEqual([...SIM_SOURCES]);
    const retried = /transient error; resuming from the last checkpoint/.test(run.output);
    expect(
      retried,
      `${at}: a transient retry is in the run's output exactly on fault days\n${run.output}`,
    ).toBe(r.kind === 'transient');
    if (r.kind === 'transient') {
      const fault = run.fault;
      expect(fault, `${at}: the session kill never landed\n${run.output}`).not.toBe('did not land');
      expect(typeof fault === 'object' && fault.parts >= 1 && fault.killed >= 1, at).toBe(true);
      // The retry resumed after the committed parts: the run's raw parts hold each row once.
      const raw = run.record!.sources.find((s) => s.source === 'attendances')!;
      const ids = raw.files.flatMap((f) => csvRecords(f).map((row) => row.attendance_id));
      expect([ids.length, new Set(ids).size, raw.files.length > 1], at).toEqual([raw.rows, raw.rows, true]);
    }
    if (r.kind === 'recovery') {
      // The recovery run caught up the outage: both days' new rows in one increment (less the
      // rows of the outage day that were deleted this morning, before anyone read them).
      for (const s of run.record!.sources) {
        const name = s.source as SimSource;
        const atLeast = previous!.inserted[name] + r.inserted[name] - r.deleted[name];
        expect(s.rows, `${at}: ${name}`).toBeGreaterThanOrEqual(atLeast);
      }
    }
    const shape = { job: JOB, run: run.record!.run_id, sources: [...SIM_SOURCES] };
    if (failed) {
      for (const s of run.record!.sources) {
        expect(s, at).toMatchObject({ status: 'failed', rows: 0 });
        expect(s.error, at).toMatch(/password authentication failed/);
      }
      expect(r.retry?.result, at).toEqual({ status: 'failed', exitCode: 1 });
      expect(r.retry?.record, at).toMatchObject({ job: JOB, status: 'failed' });
      expect(r.alerts.map(alertShape), `${at}: one grouped failure alert`).toEqual([
        { ...shape, kinds: SIM_SOURCES.map(() => 'run_failure') },
      ]);
      // The retry's four failures were held back as repeats of the alert already sent.
      expect(r.suppressed, at).toEqual(
        Object.fromEntries(SIM_SOURCES.map((s) => [`run_failure|${JOB}|${s}`, 1])),
      );
      // The outage withheld the day's changes: the dataset lacks them until the recovery.
      const withheld = r.differences.reduce((n, d) => n + d.missing + d.changed, 0);
      expect(withheld, at).toBeGreaterThan(0);
    } else {
      expect(r.alerts.map(alertShape), at).toEqual(
        r.kind === 'recovery' ? [{ ...shape, kinds: SIM_SOURCES.map(() => 'recovery') }] : [],
      );
    }
    for (const d of r.differences) {
      const what = `${at}: data/processed/${d.source} against the source: ${d.examples.join('; ')}`;
      expect(d.duplicates, what).toBe(0);
      expect(d.unknown, what).toBe(0);
      expect(d.deleted, what).toBeLessThanOrEqual(deletedInAll[d.source]);
      if (!failed)
        expect({ missing: d.missing, changed: d.changed }, what).toEqual({ missing: 0, changed: 0 });
    }
  }
});
