/**
 * Where files land: a Hive-style layout that query engines read as partitions,
 *   <output.directory>/<source>/extract_date=YYYY-MM-DD/<run_id>/part-00000.<ext>
 * plus `_manifest.json`, written last and atomically. A run directory without a manifest did not
 * finish; readers should ignore it.
 */
import path from 'node:path';
import type { ColumnSpec } from '../schema/column-types.js';
import { describeType } from '../schema/column-types.js';
import { writeFileAtomic } from './atomic.js';
import type { CommittedPart } from './writer.js';

export const MANIFEST_NAME = '_manifest.json';
export const MANIFEST_VERSION = 1;

export interface RunLocation {
  directory: string;
}

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
  format: string;
  rows: number;
  started_at: string;
  finished_at: string;
  columns: { name: string; type: string; nullable: boolean }[];
  parts: { file: string; rows: number; bytes: number; sha256: string }[];
}

export async function writeManifest(
  dir: string,
  body: Omit<Manifest, 'manifest_version' | 'columns' | 'parts'>,
  columns: ColumnSpec[],
  parts: CommittedPart[],
  mode: number,
): Promise<string> {
  const manifest: Manifest = {
    manifest_version: MANIFEST_VERSION,
    ...body,
    columns: columns.map((c) => ({ name: c.name, type: describeType(c.type), nullable: c.nullable })),
    parts: parts.map((p) => ({
      file: path.basename(p.path),
      rows: p.rows,
      bytes: p.bytes,
      sha256: p.sha256,
    })),
  };
  const file = path.join(dir, MANIFEST_NAME);
  await writeFileAtomic(file, JSON.stringify(manifest, null, 2) + '\n', mode);
  return file;
}
