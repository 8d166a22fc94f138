/**
 * A version's metadata, `_version.json` in its directory (not a `.parquet`, and `_`-prefixed, so
 * neither a `**\/*.parquet` glob nor pyarrow's dataset discovery picks it up). It is written before
 * the directory gets its final name, so a version directory under its final name is complete.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import * as z from 'zod';
import type { PartitionConfig, SoftDeleteConfig } from '../config/load-schema.js';
import type { ColumnSpec } from '../schema/column-types.js';
import { DatasetCorrupt } from './errors.js';
import type { LoadKind, MarkValue } from './types.js';

export const VERSION_FILE = '_version.json';
export const VERSION_FORMAT = 1;

/** `v000042-20250301T020304123Z`: sequence first, so names sort in the order versions were made. */
const VERSION_ID = /^v(\d{6,})-(\d{8}T\d{9}Z)$/;

export function versionId(seq: number, at: Date): string {
  const stamp = at.toISOString().replace(/[-:.]/g, '');
  return `v${String(seq).padStart(6, '0')}-${stamp}`;
}

export function isVersionId(name: string): boolean {
  return VERSION_ID.test(name);
}

/** The sequence number in a version id. */
export function versionSeq(id: string): number {
  const m = VERSION_ID.exec(id);
  return m ? Number(m[1]) : Number.NaN;
}

export interface VersionFile {
  /** Relative to the version directory, '/'-separated: `visit_month=2025-01/part-<uuid>.parquet`. */
  path: string;
  rows: number;
  bytes: number;
  sha256: string;
  /** The partition value (decoded from the Hive directory; null for the NULL partition). */
  partition?: string | null;
}

export interface LoadCounts {
  rows_before: number;
  rows_in: number;
  inserted: number;
  updated: number;
  deleted: number;
  soft_deleted: number;
  duplicates: number;
  stale: number;
}

export interface VersionMeta {
  format: typeof VERSION_FORMAT;
  source: string;
  version: string;
  seq: number;
  parent: string | null;
  kind: LoadKind;
  created_at: string;
  /** The runs this load merged (or the full extraction's run), oldest first. */
  run_ids: string[];
  high_water: MarkValue | undefined;
  rows: number;
  bytes: number;
  key_columns: string[];
  cursor_column: string | null;
  partition: (PartitionConfig & { name: string }) | null;
  soft_delete: SoftDeleteConfig | null;
  /** The dataset's columns with their exact types (the Hive key is not a column of the files). */
  columns: ColumnSpec[];
  files: VersionFile[];
  counts: LoadCounts;
}

const metaShape = z.looseObject({
  format: z.literal(VERSION_FORMAT),
  source: z.string(),
  version: z.string().regex(VERSION_ID),
  seq: z.int().min(1),
  parent: z.string().nullable(),
  kind: z.enum(['merge', 'replace']),
  created_at: z.string(),
  rows: z.int().min(0),
  key_columns: z.array(z.string()).min(1),
  columns: z.array(z.looseObject({ name: z.string(), type: z.looseObject({ kind: z.string() }) })),
  files: z.array(
    z.looseObject({ path: z.string(), rows: z.int().min(0), bytes: z.int().min(0), sha256: z.string() }),
  ),
});

/** Read and check a version's metadata; a missing or malformed file is a corrupt version. */
export function readVersionMeta(source: string, dir: string): VersionMeta {
  const file = path.join(dir, VERSION_FILE);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new DatasetCorrupt(source, `version metadata ${file} is missing or unreadable`, {
      cause: e,
      hint: corruptHint(source),
    });
  }
  const checked = metaShape.safeParse(parsed);
  if (!checked.success || checked.data.version !== path.basename(dir))
    throw new DatasetCorrupt(source, `version metadata ${file} is not a moh-etl version record`, {
      hint: corruptHint(source),
    });
  return parsed as VersionMeta;
}

/**
 * Every file the metadata lists is there with its size (a cheap check, run before every load; the
 * sha256 of each file is recorded for a deeper audit).
 */
export function checkVersionFiles(meta: VersionMeta, dir: string): void {
  for (const f of meta.files) {
    const file = path.join(dir, f.path);
    let size: number;
    try {
      size = statSync(file).size;
    } catch {
      throw new DatasetCorrupt(meta.source, `version ${meta.version} lacks its file ${file}`, {
        hint: corruptHint(meta.source),
      });
    }
    if (size !== f.bytes)
      throw new DatasetCorrupt(
        meta.source,
        `version ${meta.version}: ${file} has ${size} bytes, its metadata says ${f.bytes}`,
        { hint: corruptHint(meta.source) },
      );
  }
}

export const corruptHint = (source: string): string =>
  `run a full refresh of ${source} (moh-etl run --sources ${source} --mode full) to rebuild the dataset, ` +
  `or point load.directory/${source} at an archived version under load.archive_directory/${source}/`;
