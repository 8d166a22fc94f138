/**
 * One shard of a sharded run (`moh-etl extract --shard i/n --run-id ID`, extract/shard-plan.ts): the
 * run's plan read (or written, by the first shard), then an ordinary full or date-range extraction
 * of the shard's key range — resumable, retried, reconciled with its own COUNT — into the shard's
 * own directory, with its own state and its own manifest. The merge publishes the run.
 *
 * Its own state: `<state_dir>/shards/<run_id>/shard-<i>-of-<n>/<source>.json` (and its lock), so the
 * shards of a run never share a checkpoint, and a shard run again on the same machine resumes.
 * On another machine (a rescheduled pod without the state directory) it starts its range over,
 * after clearing what an earlier attempt left in its directory. A shard whose manifest is already
 * written is done: running it again changes nothing. Two copies of one shard must not run at once
 * (the orchestrator's job: one pod per completion index, one task instance per map index).
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { LoadedConfig } from '../config/load.js';
import type { ExtractionMode, OutputFormat } from '../config/schema.js';
import { ConnectionSet } from '../db/connection.js';
import { todayIn, type DateRange } from '../extract/date-range.js';
import { planSource, sourceRequest } from '../extract/plan.js';
import {
  checkRunId,
  planDigest,
  planShards,
  shardDirectory,
  shardDirName,
  type ShardPlan,
  type ShardSpec,
} from '../extract/shard-plan.js';
import { StateStore } from '../extract/state.js';
import type { Logger } from '../observe/logger.js';
import { MANIFEST_NAME, type Manifest } from '../write/layout.js';
import { checkRequest, runStatus } from './extract-step.js';
import { newRunId } from './run-id.js';
import { extractWithAttempts } from './source-attempts.js';
import { publishedRun, type PublishedRun } from './split-merge.js';
import { RECORD_VERSION, type RunSummary, type SourceResult } from './summary.js';

export interface ShardOptions {
  source: string;
  shard: ShardSpec;
  /** The run every shard belongs to, named by the orchestrator. */
  runId: string;
  /** full (the default) or, with `range`, a date-range run; never incremental. */
  mode?: ExtractionMode;
  range?: DateRange;
  formats?: OutputFormat[];
  signal?: AbortSignal;
  onProgress?: (rows: number) => void;
}

/** Extract one shard; resolves with this process's run record (its source names the shared run). */
export async function runShard(
  loaded: LoadedConfig,
  options: ShardOptions,
  log: Logger,
): Promise<RunSummary> {
  const { config, root } = loaded;
  checkRequest(loaded, { sources: [options.source], formats: options.formats });
  const runId = checkRunId(options.runId);
  const name = options.source;
  const mode = options.mode ?? 'full';
  const started = new Date();
  const connections = new ConnectionSet(config.connections, root, {
    warn: (m) => log.warn(m),
    debug: (m) => log.debug(m),
  });
  let result: SourceResult;
  try {
    // Merged and published already: a shard run again (an orchestrator's retry) reads nothing.
    const published = publishedRun(path.resolve(root, config.output.directory), name, runId);
    if (published) return summaryOf(options, started, alreadyMerged(name, runId, published));
    const conn = connections.get(config.sources[name]!.connection);
    const plan = await planSource(conn, sourceRequest(loaded, name, mode, options.range));
    const outputDir = path.resolve(root, config.output.directory);
    const shards = await planShards(conn, plan, {
      outputDir,
      runId,
      shards: options.shard.count,
      extractDate: todayIn(config.extraction.timezone, started),
      fileMode: Number.parseInt(config.output.file_mode, 8),
      formats: options.formats ?? config.output.formats,
    });
    const directory = shardDirectory(outputDir, name, runId, options.shard);
    const stateDir = path.resolve(
      root,
      config.extraction.state_dir,
      'shards',
      runId,
      shardDirName(options.shard),
    );
    const store = new StateStore(stateDir);
    const shardLog = log.child({ source: name, run_id: runId, shard: shardDirName(options.shard) });
    result =
      finishedShard(directory, runId, shards, options.shard, name) ??
      (await extract(
        loaded,
        connections,
        store,
        { ...options, mode, runId, started, directory, shards },
        shardLog,
      ));
  } finally {
    await connections.closeAll();
  }
  return summaryOf(options, started, result);
}

function summaryOf(options: ShardOptions, started: Date, result: SourceResult): RunSummary {
  const finished = new Date();
  return {
    record_version: RECORD_VERSION,
    run_id: newRunId(started),
    command: 'extract',
    status: runStatus([result], options.signal),
    started_at: started.toISOString(),
    finished_at: finished.toISOString(),
    duration_ms: finished.getTime() - started.getTime(),
    range: options.range,
    sources: [result],
  };
}

/** The result of a shard whose run was merged and published: nothing read, nothing written. */
function alreadyMerged(source: string, runId: string, published: PublishedRun): SourceResult {
  return {
    source,
    run_id: runId,
    status: 'succeeded',
    mode: published.manifest.mode,
    rows: 0,
    files: [],
    manifest: published.file,
    duration_ms: 0,
    note: `run ${runId} was merged and published already (${published.shards} shards, ${published.manifest.rows} rows): nothing to extract`,
  };
}

interface ShardRun extends ShardOptions {
  mode: ExtractionMode;
  started: Date;
  directory: string;
  shards: ShardPlan;
}

async function extract(
  loaded: LoadedConfig,
  connections: ConnectionSet,
  store: StateStore,
  run: ShardRun,
  log: Logger,
): Promise<SourceResult> {
  // Without an unfinished run here, anything in the shard's directory is from an attempt elsewhere.
  if (!store.read(run.source).pending) rmSync(run.directory, { recursive: true, force: true });
  const outcome = await extractWithAttempts(
    loaded,
    connections,
    store,
    {
      name: run.source,
      mode: run.mode,
      range: run.range,
      formats: run.formats,
      runId: run.runId,
      started: run.started,
      signal: run.signal,
      onProgress: run.onProgress,
      shard: { ...run.shard, plan: run.shards, directory: run.directory },
    },
    log,
  );
  const { plan: _p, next: _n, staged: _s, failure: _f, increment: _a, high_water: _h, ...result } = outcome;
  return result;
}

/** The shard's result when its manifest (for this run and plan) is already written: it is done. */
function finishedShard(
  directory: string,
  runId: string,
  shards: ShardPlan,
  shard: ShardSpec,
  source: string,
): SourceResult | undefined {
  const file = path.join(directory, MANIFEST_NAME);
  if (!existsSync(file)) return undefined;
  const manifest = JSON.parse(readFileSync(file, 'utf8')) as Manifest;
  if (manifest.run_id !== runId || manifest.shard?.plan !== planDigest(shards)) return undefined;
  if (manifest.shard.index !== shard.index || manifest.shard.count !== shard.count) return undefined;
  const files = manifest.parts.map((p) => path.join(directory, p.file));
  const listed = new Set([MANIFEST_NAME, ...manifest.parts.map((p) => p.file)]);
  if (readdirSync(directory).some((f) => !listed.has(f))) return undefined;
  return {
    source,
    run_id: runId,
    status: 'succeeded',
    mode: manifest.mode,
    rows: manifest.rows,
    files,
    manifest: file,
    duration_ms: 0,
    note: `shard ${shard.index}/${shard.count} of run ${runId} was already extracted`,
  };
}
