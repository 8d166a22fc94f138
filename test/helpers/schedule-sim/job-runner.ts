/**
 * The scheduler's `RunJob` for the simulation: the real one (spawnJobRunner, as `moh-etl schedule`
 * builds it) starting the built CLI, `node dist/src/cli/bin.js run --job NAME --scheduled-for ISO
 * --config FILE`, with each child's output kept in a file and each run's record found afterwards.
 * A transient fault can be armed for the next run: once the attendances checkpoint lists a
 * committed part, the extractor role's running statement is terminated (a point in the work, not
 * in time, so it lands mid-run however loaded the machine is).
 */
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ScheduleJob } from '../../../src/config/schedule-schema.js';
import { RUNS_DIR, type RunRecord } from '../../../src/pipeline/summary.js';
import {
  spawnJobRunner,
  type RunJob,
  type RunJobContext,
  type RunJobResult,
} from '../../../src/schedule/index.js';
import { BIN } from '../cli.js';
import { committedParts } from '../faults/cli-child.js';
import type { ExtractorRole } from './extractor-role.js';

/** A run taking longer than this (real time) is stopped: a few seconds is usual. */
const RUN_TIMEOUT_MS = 120_000;

/** One child run and what it left. */
export interface JobRun {
  label: string;
  /** The `--scheduled-for` it was given (absent for a run by hand). */
  scheduledFor?: string;
  result: RunJobResult;
  /** The child's stdout and stderr. */
  output: string;
  /** The run record it wrote (results/runs/<run_id>.json). */
  record?: RunRecord;
  /** The transient fault, when one was armed: committed parts when it fired, sessions ended. */
  fault?: { parts: number; killed: number } | 'did not land';
  ms: number;
}

export interface JobRunnerOptions {
  root: string;
  configFile: string;
  env: NodeJS.ProcessEnv;
  role: ExtractorRole;
  /** The source whose checkpoint the transient fault waits for. */
  faultSource: string;
}

export class SimJobRunner {
  readonly runs: JobRun[] = [];
  #inFlight = new Set<Promise<unknown>>();
  #armed = false;
  #label = '';

  constructor(private readonly options: JobRunnerOptions) {}

  /** Name the next scheduled run (`day 7`) and arm, or not, a transient fault for it. */
  next(label: string, transientFault: boolean): void {
    this.#label = label;
    this.#armed = transientFault;
  }

  readonly runJob: RunJob = (name, job, context) => {
    const run = this.#run(this.#label, name, job, context);
    this.#inFlight.add(run);
    // The scheduler sees a failure through the promise it is given; this one only tidies up.
    run.finally(() => this.#inFlight.delete(run)).catch(() => undefined);
    return run.then((r) => r.result);
  };

  /** An operator's retry: `moh-etl run --job NAME`, by hand, without the scheduler. */
  async byHand(label: string, name: string, job: ScheduleJob): Promise<JobRun> {
    const context: RunJobContext = {
      signal: new AbortController().signal,
      scheduledFor: new Date(),
      catchUp: false,
      sources: [...(job.sources ?? [])],
    };
    return this.#run(label, name, job, context, false);
  }

  /** Resolves once no run started by the scheduler is going. */
  async idle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
    // The scheduler settles a finished run in the same turn it sees it end; let that turn run.
    await new Promise((resolve) => setImmediate(resolve));
  }

  async #run(
    label: string,
    name: string,
    job: ScheduleJob,
    context: RunJobContext,
    scheduled = true,
  ): Promise<JobRun> {
    const { root, configFile, env } = this.options;
    const t0 = performance.now();
    const before = new Set(recordNames(root));
    const outFile = path.join(root, 'sim', `${label.replace(/\s+/g, '-')}.out`);
    const fd = openSync(outFile, 'w');
    const armed = this.#armed;
    this.#armed = false;
    let ended = false;
    const fault = armed ? this.#killAfterFirstPart(() => ended) : undefined;
    let result: RunJobResult;
    try {
      const runner = spawnJobRunner({
        command: process.execPath,
        args: (jobName, ctx) => [
          BIN,
          'run',
          '--job',
          jobName,
          ...(scheduled ? ['--scheduled-for', ctx.scheduledFor.toISOString()] : []),
          '--config',
          configFile,
        ],
        cwd: root,
        env,
        stdio: ['ignore', fd, fd],
        killAfterMs: 5_000,
      });
      // A hung child is stopped (SIGTERM, then SIGKILL) and shows as interrupted, instead of the
      // test waiting out its own timeout: the fake clock stands still, so no job timeout fires.
      const guard = AbortSignal.any([context.signal, AbortSignal.timeout(RUN_TIMEOUT_MS)]);
      result = await runner(name, job, { ...context, signal: guard });
    } finally {
      ended = true;
      closeSync(fd);
    }
    const fired = await fault;
    if (armed) await this.options.role.setPause(0);
    const added = recordNames(root).filter((n) => !before.has(n));
    const run: JobRun = {
      label,
      ...(scheduled ? { scheduledFor: context.scheduledFor.toISOString() } : {}),
      result,
      output: readFileSync(outFile, 'utf8'),
      ...(added.length === 1 ? { record: readRecord(root, added[0]!) } : {}),
      ...(armed ? { fault: fired ?? 'did not land' } : {}),
      ms: Math.round(performance.now() - t0),
    };
    this.runs.push(run);
    return run;
  }

  /** Wait for a committed part of the fault source, then end the statement running after it. */
  async #killAfterFirstPart(ended: () => boolean): Promise<{ parts: number; killed: number } | undefined> {
    const stateFile = path.join(this.options.root, 'data/state', `${this.options.faultSource}.json`);
    while (!ended()) {
      const parts = committedParts(stateFile) ?? 0;
      if (parts >= 1) {
        const killed = await this.options.role.killActive();
        if (killed > 0) {
          // The retry need not wait: the fault has happened.
          await this.options.role.setPause(0);
          return { parts, killed };
        }
      }
      await sleep(5);
    }
    return undefined;
  }
}

function recordNames(root: string): string[] {
  try {
    return readdirSync(path.join(root, RUNS_DIR)).filter((n) => n.endsWith('.json'));
  } catch {
    return [];
  }
}

function readRecord(root: string, name: string): RunRecord {
  return JSON.parse(readFileSync(path.join(root, RUNS_DIR, name), 'utf8')) as RunRecord;
}
