/**
 * Archive retention: which archived versions to delete after a switch. A pure decision on a list
 * of versions and a clock, applied by renaming each doomed version out of the version namespace
 * (`.trash-<version>`, one atomic step) before removing it, so a kill -9 mid-delete never leaves a
 * half-deleted directory that looks like a version; recovery finishes the removal.
 *
 * A version's age counts from when it stopped being current (the next version's creation), not from
 * its own creation: a version that was current for a year must stay restorable after its successor
 * arrives.
 */
import { renameSync, rmSync } from 'node:fs';
import type { DatasetLayout } from './layout.js';

export interface RetentionPolicy {
  /** Archived versions kept, newest first (load.keep_versions). */
  keep: number;
  /** An archived version older than this (since it was superseded) is deleted (load.max_age). */
  maxAgeMs: number;
}

export interface VersionStamp {
  version: string;
  seq: number;
  created_at: string;
}

/** The versions to delete: never the current one, nor any made after it (recovery owns those). */
export function expiredVersions(
  versions: readonly VersionStamp[],
  current: VersionStamp,
  policy: RetentionPolicy,
  now: Date,
): string[] {
  const sorted = [...versions].sort((a, b) => a.seq - b.seq);
  const archivedAt = new Map<string, number>();
  sorted.forEach((v, i) => archivedAt.set(v.version, Date.parse((sorted[i + 1] ?? v).created_at)));
  const archived = sorted.filter((v) => v.seq < current.seq).reverse();
  return archived
    .filter((v, i) => i >= policy.keep || now.getTime() - archivedAt.get(v.version)! > policy.maxAgeMs)
    .map((v) => v.version);
}

/** Delete versions: rename to `.trash-…` (atomic), then remove. */
export function deleteVersions(layout: DatasetLayout, source: string, versions: readonly string[]): void {
  for (const v of versions) {
    const trash = layout.trash(source, v);
    renameSync(layout.version(source, v), trash);
    rmSync(trash, { recursive: true, force: true });
  }
}
