/**
 * The files a source's run committed, read back from its `_manifest.json`: path, rows, bytes and
 * the sha256 computed while the bytes were written. The audit log and the run metrics use it;
 * neither re-reads a data file. Key values (min_key/max_key) are cell values and stay out.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Manifest } from '../write/layout.js';

export interface ManifestPart {
  /** Absolute path of the part file. */
  path: string;
  rows: number;
  bytes: number;
  sha256: string;
}

export interface ManifestSummary {
  file: string;
  mode: string;
  range?: { start: string; end: string };
  rows: number;
  parts: ManifestPart[];
}

/** The manifest at `file`, or undefined when it is missing or unreadable (a failed run has none). */
export async function readManifestSummary(file: string): Promise<ManifestSummary | undefined> {
  let manifest: Manifest;
  try {
    manifest = JSON.parse(await readFile(file, 'utf8')) as Manifest;
  } catch {
    return undefined;
  }
  if (!Array.isArray(manifest.parts)) return undefined;
  const dir = path.dirname(file);
  return {
    file,
    mode: manifest.mode,
    ...(manifest.range ? { range: { start: manifest.range.start, end: manifest.range.end } } : {}),
    rows: manifest.rows,
    parts: manifest.parts.map((p) => ({
      path: path.resolve(dir, p.file),
      rows: p.rows,
      bytes: p.bytes,
      sha256: p.sha256,
    })),
  };
}

/** Bytes written per source, from the manifests of a run's sources (sources without one: absent). */
export async function bytesBySource(
  results: readonly { source: string; manifest?: string }[],
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  await Promise.all(
    results.map(async (r) => {
      const m = r.manifest ? await readManifestSummary(r.manifest) : undefined;
      if (m)
        out.set(
          r.source,
          m.parts.reduce((n, p) => n + p.bytes, 0),
        );
    }),
  );
  return out;
}
