/**
 * Where files land: a Hive-style layout that query engines read as partitions,
 *   <output.directory>/<source>/extract_date=YYYY-MM-DD/<run_id>/part-00000.<ext>
 * plus `_manifest.json`, written last and atomically. A run directory without a manifest did not
 * finish; readers should ignore it. The shards of a sharded run write under
 *   <output.directory>/<source>/_shards/<run_id>/shard-<i>-of-<n>/
 * (a `_` directory, which Hive-style readers skip) until `shards merge` publishes the run here.
 */
import { existsSync, readdirSync, realpathSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { CommittedPartRecord, StoredValue } from '../extract/state.js';
import type { ColumnSpec } from '../schema/column-types.js';
import { describeType } from '../schema/column-types.js';
import { writeFileAtomic } from './atomic.js';

export const MANIFEST_NAME = '_manifest.json';
export const MANIFEST_VERSION = 1;

export function runDirectory(outputDir: string, source: string, extractDate: string, runId: string): string {
  return path.join(outputDir, source, `extract_date=${extractDate}`, runId);
}

export function partFileName(index: number, extension: string): string {
  return `part-${String(index).padStart(5, '0')}.${extension}`;
}

export interface Manifest {
  manifest_version: number;
  run_id: string;
  source: string;
  mode: string;
  range?: { start: string; end: string };
  high_water?: string | number | boolean | null;
  rows: number;
  started_at: string;
  finished_at: string;
  columns: { name: string; type: string; nullable: boolean }[];
  /** The keyset order of the rows: the cursor column (incremental, range) then the primary key. */
  key_columns: string[];
  /**
   * A run read as concurrent key ranges: the column and its boundaries (range i holds
   * `bounds[i-1] <= column < bounds[i]`). Its parts are listed in key order: by range, then index.
   */
  split?: { column: string; bounds: string[] };
  /** One shard of a sharded run (extract/shard-plan.ts): its place and the plan it read (digest). */
  shard?: { index: number; count: number; plan: string };
  /** A run `shards merge` published: how many shards it was read in. */
  shards?: number;
  parts: {
    file: string;
    rows: number;
    bytes: number;
    sha256: string;
    /** Keyset values of the part's first and last rows: min and max of the cursor, as in the file. */
    min_key?: Record<string, StoredValue>;
    max_key?: Record<string, StoredValue>;
    /** The key range the part was read in (split runs). */
    range?: number;
  }[];
}

export async function writeManifest(
  dir: string,
  body: Omit<Manifest, 'manifest_version' | 'columns' | 'parts'>,
  columns: ColumnSpec[],
  parts: CommittedPartRecord[],
  mode: number,
): Promise<string> {
  const manifest: Manifest = {
    manifest_version: MANIFEST_VERSION,
    ...body,
    columns: columns.map((c) => ({ name: c.name, type: describeType(c.type), nullable: c.nullable })),
    parts: parts.flatMap((p) =>
      p.files.map((file, i) => ({
        file,
        rows: p.rows,
        bytes: p.bytes[i]!,
        sha256: p.sha256[i]!,
        ...(p.min_key && p.max_key
          ? { min_key: keyed(body.key_columns, p.min_key), max_key: keyed(body.key_columns, p.max_key) }
          : {}),
        ...(p.range !== undefined ? { range: p.range } : {}),
      })),
    ),
  };
  const file = path.join(dir, MANIFEST_NAME);
  await writeFileAtomic(file, JSON.stringify(manifest, null, 2) + '\n', mode);
  return file;
}

const keyed = (columns: string[], values: StoredValue[]): Record<string, StoredValue> =>
  Object.fromEntries(columns.map((c, i) => [c, values[i] ?? null]));

/**
 * Before a run resumes, remove from its directory everything its checkpoint does not name: a part
 * renamed into place just before a crash (its rows will be read again), temporary files, a manifest.
 */
export function removeUncommitted(dir: string, committed: CommittedPartRecord[]): string[] {
  if (!existsSync(dir)) return [];
  const keep = new Set(committed.flatMap((p) => p.files));
  const removed = readdirSync(dir).filter((f) => !keep.has(f));
  for (const f of removed) rmSync(path.join(dir, f), { force: true, recursive: true });
  return removed;
}

/**
 * A run directory read back from a state file must be where this source's runs are written:
 * `<output>/<source>/extract_date=YYYY-MM-DD/<run_id>`, symlinks resolved. Resume deletes files in
 * it, so a hand-edited or stale path elsewhere is refused. Returns a reason, or undefined when safe.
 */
export function foreignRunDirectory(
  dir: string,
  outputDir: string,
  source: string,
  runId: string,
): string | undefined {
  const real = (p: string) => realExisting(path.resolve(p));
  const rel = path.relative(real(outputDir), real(dir));
  const parts = rel.split(path.sep);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return `it is outside output.directory (${outputDir})`;
  // A shard's directory: <source>/_shards/<run_id>/shard-<i>-of-<n> (extract/shard-plan.ts).
  if (
    parts.length === 4 &&
    parts[0] === source &&
    parts[1] === '_shards' &&
    parts[2] === runId &&
    /^shard-\d+-of-\d+$/.test(parts[3]!)
  )
    return undefined;
  if (
    parts.length !== 3 ||
    parts[0] !== source ||
    !/^extract_date=\d{4}-\d{2}-\d{2}$/.test(parts[1]!) ||
    parts[2] !== runId
  )
    return `it is not ${source}/extract_date=…/${runId} under output.directory`;
  return undefined;
}

/** realpath of the longest existing prefix of `p`, with the rest appended. */
function realExisting(p: string): string {
  let head = p;
  const tail: string[] = [];
  while (!existsSync(head)) {
    const parent = path.dirname(head);
    if (parent === head) break;
    tail.unshift(path.basename(head));
    head = parent;
  }
  return path.join(realpathSync(head), ...tail);
}
