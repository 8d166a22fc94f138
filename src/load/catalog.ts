/**
 * Reading what a dataset holds: the current version's metadata, the list of complete versions, and
 * the dataset's lock. Read-only apart from the lock; loads go through build.ts.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { SourceBusy } from '../errors.js';
import { lockSource, type SourceLock } from '../extract/lock.js';
import { DatasetBusy } from './errors.js';
import { LOCK_NAME, type DatasetLayout } from './layout.js';
import { currentVersionId } from './switch.js';
import type { VersionInfo } from './types.js';
import { isVersionId, readVersionMeta, type VersionMeta } from './version.js';

export function currentMeta(layout: DatasetLayout, source: string): VersionMeta | undefined {
  const id = currentVersionId(layout, source);
  return id === undefined ? undefined : readVersionMeta(source, layout.version(source, id));
}

/** Names of the complete versions, oldest first. */
export function versionNames(layout: DatasetLayout, source: string): string[] {
  try {
    return readdirSync(layout.versions(source)).filter(isVersionId).sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

/** The metadata of every readable version, oldest first (an unreadable one is skipped, never guessed at). */
export function versionMetas(layout: DatasetLayout, source: string): VersionMeta[] {
  return versionNames(layout, source).flatMap((v) => {
    try {
      return [readVersionMeta(source, layout.version(source, v))];
    } catch {
      return [];
    }
  });
}

export function versionInfos(layout: DatasetLayout, source: string): VersionInfo[] {
  const current = currentVersionId(layout, source);
  return versionMetas(layout, source).map((m) => ({
    version: m.version,
    seq: m.seq,
    kind: m.kind,
    created_at: m.created_at,
    rows: m.rows,
    files: m.files.length,
    bytes: m.bytes,
    current: m.version === current,
    path: layout.version(source, m.version),
  }));
}

/**
 * One load per dataset at a time: a lock file beside the versions, taken over when its process is
 * gone (the extraction's lock, src/extract/lock.ts).
 */
export function lockDataset(layout: DatasetLayout, source: string, runId: string): SourceLock {
  try {
    return lockSource(layout.versions(source), LOCK_NAME, runId);
  } catch (e) {
    if (e instanceof SourceBusy)
      throw new DatasetBusy(`dataset ${source} is being loaded by another process`, {
        retryable: true,
        cause: e,
        hint: `wait for it to finish; if that process is gone, remove ${path.join(layout.versions(source), `${LOCK_NAME}.lock`)}`,
      });
    throw e;
  }
}
