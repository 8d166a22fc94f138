/**
 * The DatasetStore: processed datasets with immutable versions, an atomic switch, an archive with
 * retention, and DuckDB behind it. The pipeline hands it staged files and gets counts back; it never
 * builds a path under load.directory itself.
 *
 * One load, under the dataset's lock: recover → write (the strategy for the kind) → assemble →
 * commit (rename into place) → switch (rename the link) → clean → retention (build.ts). A kill -9
 * before the switch leaves the old version current and debris that the next load's recovery
 * removes; after it, the new version is current and complete.
 */
import path from 'node:path';
import type { LoadConfig } from '../config/load-schema.js';
import { buildVersion } from './build.js';
import { currentMeta, lockDataset, versionInfos } from './catalog.js';
import { checkRequestColumns } from './increment.js';
import { DatasetLayout } from './layout.js';
import { mergeStrategy } from './merge.js';
import { recoverDataset, type Recovery } from './recover.js';
import { replaceStrategy } from './replace.js';
import type { LoadStrategy } from './strategy.js';
import type { LoadKind, LoadRequest, LoadResult, LoadStep, VersionInfo } from './types.js';
import type { VersionMeta } from './version.js';

export interface DatasetStore {
  /** Fold finished incremental runs into the current version (the greatest cursor wins per key). */
  merge(request: LoadRequest): Promise<LoadResult>;
  /** Make a full extraction the whole new version; counts hard deletes. */
  replace(request: LoadRequest): Promise<LoadResult>;
  /** `merge` or `replace` by name. */
  load(kind: LoadKind, request: LoadRequest): Promise<LoadResult>;
  /** The current version's metadata, or undefined before the first load. */
  current(source: string): VersionMeta | undefined;
  /** Every complete version, oldest first, the current one flagged. */
  versions(source: string): VersionInfo[];
  /** Remove what a crashed load left behind (every load does this first, under the lock). */
  recover(source: string): Recovery;
  /** A version's own directory: `<archive_directory>/<source>/<version>`. */
  versionDirectory(source: string, version: string): string;
  /** The stable path readers use for the current version: `<directory>/<source>`. */
  datasetDirectory(source: string): string;
}

export interface DatasetStoreOptions {
  /** The clock for version stamps and retention. Default: the system clock. */
  now?: () => Date;
  /** Called at each step of a load (progress; the crash tests stop a load there). */
  onStep?: (source: string, step: LoadStep) => void;
}

const strategies: Record<LoadKind, LoadStrategy> = { merge: mergeStrategy, replace: replaceStrategy };

/**
 * A store over `config` (the `load:` section), its relative directories resolved against `root`
 * (the project directory).
 */
export function openDatasetStore(
  config: LoadConfig,
  root: string,
  options: DatasetStoreOptions = {},
): DatasetStore {
  const layout = new DatasetLayout(
    path.resolve(root, config.directory),
    path.resolve(root, config.archive_directory),
  );
  const env = {
    config,
    layout,
    now: options.now ?? (() => new Date()),
    step: (source: string, step: LoadStep) => options.onStep?.(source, step),
  };

  async function load(kind: LoadKind, request: LoadRequest): Promise<LoadResult> {
    const started = performance.now();
    const { source } = request;
    checkRequestColumns(request);
    const lock = lockDataset(layout, source, request.runs.at(-1)?.run_id ?? 'load');
    try {
      env.step(source, 'locked');
      recoverDataset(layout, source);
      env.step(source, 'recovered');
      return await buildVersion(env, strategies[kind], request, started);
    } finally {
      lock.release();
    }
  }

  return {
    merge: (request) => load('merge', request),
    replace: (request) => load('replace', request),
    load,
    current: (source) => currentMeta(layout, source),
    versions: (source) => versionInfos(layout, source),
    recover(source) {
      const lock = lockDataset(layout, source, 'recover');
      try {
        return recoverDataset(layout, source);
      } finally {
        lock.release();
      }
    },
    versionDirectory: (source, version) => layout.version(source, version),
    datasetDirectory: (source) => layout.link(source),
  };
}
