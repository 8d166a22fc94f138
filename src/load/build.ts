/**
 * One load of one dataset, under its lock and after recovery: plan the new version from the
 * current one, let the strategy write its files, assemble and commit the version, switch the link,
 * then clean up and apply retention.
 *
 * A load that fails before the switch removes what it made (a crash leaves it to the next load's
 * recovery); after the switch the load has succeeded, and a failure to clean up or to apply
 * retention is a warning, not an error.
 */
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { LoadConfig } from '../config/load-schema.js';
import { parseDuration } from '../config/duration.js';
import { outputFailure } from '../write/fs-failure.js';
import { assembleFiles, commitVersion } from './assemble.js';
import { currentMeta, versionMetas } from './catalog.js';
import { withEngine, type Engine } from './engine.js';
import { LoadOutOfMemory } from './errors.js';
import type { IncrementShape } from './increment.js';
import type { DatasetLayout } from './layout.js';
import { budgetOf, withinBudget } from './memory-budget.js';
import { resolvePartitioning } from './partition.js';
import { deleteVersions, expiredVersions } from './retention.js';
import { checkSameKey, fitSchema } from './schema-change.js';
import { deletedPredicate } from './soft-delete.js';
import type { LoadStrategy, WriteContext, WriteOutcome } from './strategy.js';
import { switchCurrent } from './switch.js';
import type { LoadKind, LoadRequest, LoadResult, LoadStep } from './types.js';
import {
  checkVersionFiles,
  VERSION_FORMAT,
  versionId,
  type VersionFile,
  type VersionMeta,
} from './version.js';

export interface BuildEnv {
  config: LoadConfig;
  layout: DatasetLayout;
  now: () => Date;
  step: (source: string, step: LoadStep) => void;
}

export async function buildVersion(
  env: BuildEnv,
  strategy: LoadStrategy,
  request: LoadRequest,
  started: number,
): Promise<LoadResult> {
  const { config, layout, step } = env;
  const { source } = request;
  const warnings: string[] = [];
  const parent = readParent(env, strategy.kind, source, warnings);
  if (parent && strategy.kind === 'merge') checkSameKey(source, parent.key_columns, request.key_columns);
  const fit =
    parent && strategy.kind === 'merge' ? fitSchema(source, parent.columns, request.columns) : undefined;
  const columns = fit?.columns ?? request.columns;
  const own = config.sources[source] ?? {};
  const shape: IncrementShape = {
    columns,
    keys: request.key_columns,
    cursor: request.cursor_column,
    partitioning: resolvePartitioning(own.partition_by, columns),
    softDelete: own.soft_delete,
    deleted: deletedPredicate(own.soft_delete, columns),
  };
  const at = env.now();
  const seq = (parent?.seq ?? 0) + 1;
  const version = versionId(seq, at);
  const work = layout.work(source, version);
  const finalDir = layout.version(source, version);
  const context: Omit<WriteContext, 'engine'> = {
    request,
    shape,
    parent: parent && { meta: parent, dir: layout.version(source, parent.version) },
    added: fit?.added ?? [],
    rewriteAll: (fit?.added.length ?? 0) > 0 || (parent !== undefined && layoutChanged(parent, shape)),
    out: path.join(work, 'out'),
    settings: { fileRows: config.file_rows, compressionLevel: config.compression_level },
  };

  let outcome: WriteOutcome;
  let meta: VersionMeta;
  try {
    try {
      mkdirSync(work, { recursive: true, mode: 0o750 });
    } catch (e) {
      throw outputFailure(e, 'create', work, 'load.archive_directory');
    }
    // The engine's limit is sized now, from what the process holds (memory-budget.ts); out of
    // memory under a lowered limit, the write starts again from an empty output at memory_limit.
    const attempt = (memoryLimit: string) => {
      rmSync(context.out, { recursive: true, force: true });
      const settings = { memoryLimit, threads: config.threads, tempDirectory: path.join(work, 'spill') };
      return withEngine(settings, (engine) => writeWithEngine(engine));
    };
    const writeWithEngine = async (engine: Engine) => {
      step(source, 'staged');
      const outcome = await strategy.write({ ...context, engine });
      step(source, 'written');
      const files = await assembleFiles({
        engine,
        out: context.out,
        outcome,
        parentDir: context.parent?.dir,
        partitioning: shape.partitioning,
        columns,
      });
      step(source, 'assembled');
      const meta = describe({ source, version, seq, at, parent, strategy, request, shape, files, outcome });
      return { outcome, meta };
    };
    const outOfMemory = (e: unknown) => e instanceof LoadOutOfMemory;
    ({ outcome, meta } = await withinBudget(
      config.memory_limit,
      budgetOf(config),
      outOfMemory,
      attempt,
      (m) => warnings.push(m),
    ));
    await commitVersion(context.out, finalDir, meta);
    step(source, 'committed');
    await switchCurrent(layout, source, version);
  } catch (e) {
    // Not current, so nobody has seen it: remove it now rather than at the next load.
    rmSync(work, { recursive: true, force: true });
    rmSync(finalDir, { recursive: true, force: true });
    throw e;
  }
  step(source, 'switched');
  housekeeping(warnings, 'remove the work directory', () => rmSync(work, { recursive: true, force: true }));
  step(source, 'cleaned');
  const expired = housekeeping(warnings, 'apply retention', () => applyRetention(env, source, meta)) ?? [];
  step(source, 'retained');
  return result(meta, outcome, expired, warnings, started);
}

/** The version a load starts from, checked; a replace can start over a corrupt one. */
function readParent(
  env: BuildEnv,
  kind: LoadKind,
  source: string,
  warnings: string[],
): VersionMeta | undefined {
  try {
    const meta = currentMeta(env.layout, source);
    if (meta) checkVersionFiles(meta, env.layout.version(source, meta.version));
    return meta;
  } catch (e) {
    if (kind !== 'replace') throw e;
    warnings.push(
      `the current version could not be read (${(e as Error).message}); hard deletes are not counted`,
    );
    return undefined;
  }
}

/** The partitioning changed since the current version: its files are in the old layout. */
function layoutChanged(parent: VersionMeta, shape: IncrementShape): boolean {
  return JSON.stringify(parent.partition ?? null) !== JSON.stringify(shape.partitioning?.config ?? null);
}

function applyRetention(env: BuildEnv, source: string, meta: VersionMeta): string[] {
  const policy = { keep: env.config.keep_versions, maxAgeMs: parseDuration(env.config.max_age)! };
  const expired = expiredVersions(versionMetas(env.layout, source), meta, policy, env.now());
  deleteVersions(env.layout, source, expired);
  return expired;
}

function housekeeping<T>(warnings: string[], what: string, fn: () => T): T | undefined {
  try {
    return fn();
  } catch (e) {
    warnings.push(`the new version is current, but could not ${what}: ${(e as Error).message}`);
    return undefined;
  }
}

interface Described {
  source: string;
  version: string;
  seq: number;
  at: Date;
  parent: VersionMeta | undefined;
  strategy: LoadStrategy;
  request: LoadRequest;
  shape: IncrementShape;
  files: VersionFile[];
  outcome: WriteOutcome;
}

function describe(d: Described): VersionMeta {
  const own = d.shape;
  return {
    format: VERSION_FORMAT,
    source: d.source,
    version: d.version,
    seq: d.seq,
    parent: d.parent?.version ?? null,
    kind: d.strategy.kind,
    created_at: d.at.toISOString(),
    run_ids: d.request.runs.map((r) => r.run_id),
    high_water: d.request.high_water,
    rows: d.files.reduce((n, f) => n + f.rows, 0),
    bytes: d.files.reduce((n, f) => n + f.bytes, 0),
    key_columns: [...own.keys],
    cursor_column: own.cursor ?? null,
    partition: own.partitioning?.config ?? null,
    soft_delete: own.softDelete ?? null,
    columns: [...own.columns],
    files: d.files,
    counts: d.outcome.counts,
  };
}

function result(
  meta: VersionMeta,
  outcome: WriteOutcome,
  expired: string[],
  warnings: string[],
  started: number,
): LoadResult {
  const c = meta.counts;
  return {
    source: meta.source,
    kind: meta.kind,
    version: meta.version,
    parent: meta.parent,
    rows_before: c.rows_before,
    rows_in: c.rows_in,
    rows_after: meta.rows,
    inserted: c.inserted,
    updated: c.updated,
    deleted: c.deleted,
    soft_deleted: c.soft_deleted,
    duplicates: c.duplicates,
    stale: c.stale,
    files: meta.files.length,
    bytes: meta.bytes,
    files_written: outcome.written.length,
    rows_written: outcome.rowsWritten,
    expired,
    warnings,
    duration_ms: Math.round(performance.now() - started),
  };
}
