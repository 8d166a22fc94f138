/**
 * Shards: one source's full or date-range run extracted by n processes — on n machines, started by
 * an orchestrator (Kubernetes Indexed Jobs, Airflow dynamic task mapping), never by us — each
 * reading one disjoint range of the first key column, with its own state and its own manifest.
 * `moh-etl shards merge` then checks the shards and publishes one run (pipeline/split-merge.ts).
 *
 * The ranges are fixed by whichever shard plans first and stored in a plan file beside the shards'
 * output, `<output>/<source>/_shards/<run_id>/_plan.json`, which every shard reads: the output
 * directory is where the shards must meet anyway (the merge reads all of them), and the first
 * writer wins by creating the file exclusively (a whole temporary file hard-linked into place, so a
 * reader never sees half a plan). Computing the boundaries in every shard from MIN/MAX instead would
 * let shards starting minutes apart disagree (rows inserted at the top of the key in between), and
 * two shards would then overlap or leave a gap.
 *
 * The directory starts with `_`, which query engines reading Hive-style layouts skip: nothing of a
 * sharded run is visible to readers until the merge publishes it under `extract_date=`.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { link, rm } from 'node:fs/promises';
import path from 'node:path';
import type { SourceConnection } from '../db/connection.js';
import { UsageError } from '../errors.js';
import { ensureDirectory, syncDirectory, writeFileAtomic } from '../write/atomic.js';
import type { DateRange } from './date-range.js';
import type { SqlFragment } from './keyset.js';
import type { SourcePlan } from './plan.js';
import { shardBounds, SPLITTABLE_KINDS } from './split-bounds.js';
import { keyEnds } from './split-plan.js';
import { rangeFilter } from './split.js';

export const SHARDS_DIR = '_shards';
export const PLAN_FILE = '_plan.json';
export const SHARD_PLAN_VERSION = 1;

/** Shard `index` (from 0, as JOB_COMPLETION_INDEX and Airflow's map_index count) of `count`. */
export interface ShardSpec {
  index: number;
  count: number;
}

/** A shard as the extraction sees it: its place, the run's plan, and the directory it writes. */
export interface ShardAssignment extends ShardSpec {
  plan: ShardPlan;
  directory: string;
}

export interface ShardPlan {
  plan_version: number;
  source: string;
  run_id: string;
  mode: 'full' | 'range';
  range?: DateRange;
  shards: number;
  /** The first keyset column. */
  column: string;
  /**
   * `shards - 1` non-decreasing boundaries as canonical text: shard i holds `bounds[i-1] <= column <
   * bounds[i]` (open at both ends). null: the key could not be cut (an empty source): shard 0 reads
   * everything, the others nothing.
   */
  bounds: string[] | null;
  /** The `extract_date=` partition the merged run is published under (the planning shard's day). */
  extract_date: string;
  /** Output formats every shard writes (the merge needs the same files from each). Absent in older plans. */
  formats?: string[];
  planned_at: string;
}

/** `i/n` as given to `--shard`: 0 ≤ i < n, n ≤ 1024. */
export function parseShard(text: string): ShardSpec {
  const m = /^(\d{1,4})\/(\d{1,4})$/.exec(text.trim());
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || count < 1 || count > 1024 || index >= count)
    throw new UsageError(`--shard "${text}" is not a shard: expected i/n with 0 <= i < n <= 1024`, {
      hint: 'shards count from 0, as Kubernetes JOB_COMPLETION_INDEX and Airflow map_index do: --shard 0/4 … 3/4',
    });
  return { index, count };
}

/** A run id shared by the shards, named by the orchestrator: it becomes a directory name. */
export function checkRunId(runId: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(runId) || runId.includes('..'))
    throw new UsageError(`--run-id "${runId}" cannot name a run directory`, {
      hint: 'use up to 100 letters, digits, ".", "_" and "-", starting with a letter or digit (e.g. weekly-2025-03-01; Airflow: {{ ts_nodash }})',
    });
  return runId;
}

export function shardsRoot(outputDir: string, source: string, runId: string): string {
  return path.join(outputDir, source, SHARDS_DIR, runId);
}

export function shardDirName(shard: ShardSpec): string {
  return `shard-${shard.index}-of-${shard.count}`;
}

export function shardDirectory(outputDir: string, source: string, runId: string, shard: ShardSpec): string {
  return path.join(shardsRoot(outputDir, source, runId), shardDirName(shard));
}

export function readShardPlan(outputDir: string, source: string, runId: string): ShardPlan | undefined {
  const file = path.join(shardsRoot(outputDir, source, runId), PLAN_FILE);
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as ShardPlan;
}

export interface ShardPlanRequest {
  outputDir: string;
  runId: string;
  shards: number;
  extractDate: string;
  fileMode: number;
  /** The formats this shard writes (its --format, or output.formats). */
  formats: readonly string[];
}

/** The run's plan: the one already written, or this shard's, written unless another shard won. */
export async function planShards(
  conn: SourceConnection,
  plan: SourcePlan,
  req: ShardPlanRequest,
): Promise<ShardPlan> {
  if (plan.mode === 'incremental')
    throw new UsageError(`source "${plan.name}": shards read full and date-range runs, not increments`, {
      hint: 'add --mode full, or --start-date/--end-date',
    });
  const existing = readShardPlan(req.outputDir, plan.name, req.runId);
  if (existing) return agreed(existing, plan, req);
  const type = plan.orderTypes[0]!;
  if (!SPLITTABLE_KINDS.has(type.kind))
    throw new UsageError(
      `source "${plan.name}": cannot shard on "${plan.orderColumns[0]}", a ${type.kind} key (shards need a number, date or timestamp first key column)`,
    );
  const [min, max] = await keyEnds(conn, plan);
  const bounds = min === null ? null : shardBounds(min, max, req.shards, type);
  const mine: ShardPlan = {
    plan_version: SHARD_PLAN_VERSION,
    source: plan.name,
    run_id: req.runId,
    mode: plan.mode,
    ...(plan.range ? { range: plan.range } : {}),
    shards: req.shards,
    column: plan.orderColumns[0]!,
    bounds: bounds && (bounds.length === req.shards - 1 ? bounds : null),
    extract_date: req.extractDate,
    formats: [...req.formats],
    planned_at: new Date().toISOString(),
  };
  return agreed(await publishOnce(req, plan.name, mine), plan, req);
}

/** Creates the plan file unless it exists; returns whichever plan is in it. */
async function publishOnce(req: ShardPlanRequest, source: string, mine: ShardPlan): Promise<ShardPlan> {
  const root = shardsRoot(req.outputDir, source, req.runId);
  ensureDirectory(root, 'output.directory');
  const file = path.join(root, PLAN_FILE);
  const temp = `${file}.${process.pid}-${Date.now()}.new`;
  await writeFileAtomic(temp, JSON.stringify(mine, null, 2) + '\n', req.fileMode, 'output.directory');
  try {
    await link(temp, file);
    await syncDirectory(root);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  } finally {
    await rm(temp, { force: true });
  }
  return readShardPlan(req.outputDir, source, req.runId)!;
}

/** The plan must be for this request: same number of shards, mode, date range and key. */
function agreed(stored: ShardPlan, plan: SourcePlan, req: ShardPlanRequest): ShardPlan {
  const want = {
    shards: req.shards,
    mode: plan.mode,
    range: plan.range ?? null,
    column: plan.orderColumns[0],
    formats: stored.formats ? [...req.formats].sort() : null,
  };
  const have = {
    shards: stored.shards,
    mode: stored.mode,
    range: stored.range ?? null,
    column: stored.column,
    formats: stored.formats ? [...stored.formats].sort() : null,
  };
  if (JSON.stringify(want) !== JSON.stringify(have))
    throw new UsageError(
      `run ${req.runId} of source "${plan.name}" was planned as ${stored.shards} shards of a ${describe(stored)} run on "${stored.column}"${stored.formats ? ` to ${stored.formats.join(', ')}` : ''}; this shard asks for ${req.shards} shards of a ${describe({ ...plan, range: plan.range })} run on "${plan.orderColumns[0]}" to ${req.formats.join(', ')}`,
      {
        hint: `start every shard of a run the same way: ${shardCommand(stored, '<i>')}`,
      },
    );
  return stored;
}

/** The command that runs shard `index` of a planned run (for hints: what to type, exactly). */
export function shardCommand(plan: ShardPlan, index: number | string): string {
  const what = plan.range ? `--start-date ${plan.range.start} --end-date ${plan.range.end}` : '--mode full';
  const formats = plan.formats ? ` --format ${plan.formats.join(' ')}` : '';
  return `moh-etl extract --sources ${plan.source} ${what}${formats} --shard ${index}/${plan.shards} --run-id ${plan.run_id}`;
}

function describe(p: { mode: string; range?: DateRange }): string {
  return p.range ? `${p.range.start}..${p.range.end} date-range` : p.mode;
}

/**
 * The filter of shard `index` on the run's plan: its key range, or — when the key could not be cut
 * (an empty source) — everything for the first shard and nothing for the others.
 */
export function shardFilter(
  conn: SourceConnection,
  plan: SourcePlan,
  shards: ShardPlan,
  index: number,
): SqlFragment {
  if (!shards.bounds) return index === 0 ? { sql: '1 = 1', bindings: [] } : { sql: '1 = 0', bindings: [] };
  const split = { column: shards.column, bounds: shards.bounds, ranges: [], next_part: 0 };
  return rangeFilter(conn.dialect, plan, split, index);
}

/** What identifies a plan's ranges: each shard's manifest names it, and the merge checks it. */
export function planDigest(shards: ShardPlan): string {
  const body = JSON.stringify([shards.run_id, shards.shards, shards.column, shards.bounds]);
  return createHash('sha256').update(body).digest('hex').slice(0, 16);
}
