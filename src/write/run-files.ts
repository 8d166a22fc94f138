/**
 * A source's runs as they lie under output.directory (layout.ts), for people and scripts asking
 * "which files did that run write?". A run directory with a manifest is complete: the manifest
 * names its files with rows, bytes and sha256. One without is either the unfinished run the state
 * file names (resumable: its checkpoint names the parts committed so far) or a run that stopped
 * and was discarded (its files are not to be read).
 *
 * A run that resumes an unfinished run writes into that run's directory, under that run's id; its
 * own id is on its run record only (results/runs/<id>.json, the source's `run_id` naming the run
 * whose files it wrote). `resumptions` reads that mapping back, so either id finds the files.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { partsInKeyOrder } from '../extract/split.js';
import type { PendingRun } from '../extract/state.js';
import { RUNS_DIR, type RunSummary } from '../pipeline/summary.js';
import { MANIFEST_NAME, type Manifest } from './layout.js';

/** complete: manifest written; unfinished: the state's resumable run; incomplete: neither. */
export type RunCompleteness = 'complete' | 'unfinished' | 'incomplete';

export interface RunFile {
  /** Absolute path. */
  path: string;
  rows: number;
  bytes: number;
  sha256: string;
}

export interface SourceRun {
  run_id: string;
  status: RunCompleteness;
  /** Absolute run directory. */
  directory: string;
  /** The `extract_date=` partition (YYYY-MM-DD). */
  extract_date: string;
  mode?: string;
  rows: number;
  started_at?: string;
  finished_at?: string;
  /** Absolute path of the manifest (complete runs). */
  manifest?: string;
  /** Complete runs: the manifest's files; the unfinished run: its committed parts; otherwise none. */
  files: RunFile[];
  /** Why a directory with a manifest is not listed as complete (the manifest is unreadable). */
  problem?: string;
}

/**
 * Every run directory of `source` under `outputDir`, newest first (run ids sort by start time),
 * with `pending` (the state's unfinished run) marked as such even if its directory is gone.
 */
export function sourceRuns(outputDir: string, source: string, pending?: PendingRun): SourceRun[] {
  const base = path.join(outputDir, source);
  const runs = new Map<string, SourceRun>();
  for (const day of directories(base)) {
    const date = /^extract_date=(\d{4}-\d{2}-\d{2})$/.exec(day)?.[1];
    if (!date) continue;
    for (const runId of directories(path.join(base, day)))
      runs.set(runId, readRun(path.join(base, day, runId), runId, date));
  }
  if (pending) runs.set(pending.run_id, unfinishedRun(pending));
  return [...runs.values()].sort((a, b) => (a.run_id < b.run_id ? 1 : a.run_id > b.run_id ? -1 : 0));
}

/** Which runs resumed which, for one source, from the run records. */
export interface Resumptions {
  /** Run whose directory holds the files → the runs that resumed it, oldest first. */
  resumedBy: Map<string, string[]>;
  /** A resuming run → the run whose directory it wrote into. */
  resumed: Map<string, string>;
}

/**
 * The resume mapping of `source`, from results/runs/*.json under `root`. Only records at or after
 * `since` (a run id) are read: a run can only be resumed by a later one. Unreadable records are
 * skipped (`status` reports them); this is a lookup, not an audit.
 */
export function resumptions(root: string, source: string, since = ''): Resumptions {
  const dir = path.join(root, RUNS_DIR);
  const out: Resumptions = { resumedBy: new Map(), resumed: new Map() };
  if (!existsSync(dir)) return out;
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json') && f.slice(0, -5) >= since)
    .sort();
  for (const f of files) {
    const record = readRecord(path.join(dir, f));
    const result = record?.sources?.find((s) => s?.source === source);
    if (!record || !result?.run_id || result.run_id === record.run_id) continue;
    out.resumed.set(record.run_id, result.run_id);
    out.resumedBy.set(result.run_id, [...(out.resumedBy.get(result.run_id) ?? []), record.run_id]);
  }
  return out;
}

function readRun(dir: string, runId: string, date: string): SourceRun {
  const manifestFile = path.join(dir, MANIFEST_NAME);
  const run: SourceRun = {
    run_id: runId,
    status: 'incomplete',
    directory: dir,
    extract_date: date,
    rows: 0,
    files: [],
  };
  if (!existsSync(manifestFile)) return run;
  let manifest: Manifest;
  try {
    manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as Manifest;
    if (!Array.isArray(manifest.parts)) throw new Error('it has no "parts" list');
  } catch (e) {
    return { ...run, problem: `its manifest is unreadable (${(e as Error).message})` };
  }
  return {
    ...run,
    status: 'complete',
    mode: manifest.mode,
    rows: manifest.rows,
    started_at: manifest.started_at,
    finished_at: manifest.finished_at,
    manifest: manifestFile,
    files: manifest.parts.map((p) => ({
      path: path.join(dir, p.file),
      rows: p.rows,
      bytes: p.bytes,
      sha256: p.sha256,
    })),
  };
}

function unfinishedRun(p: PendingRun): SourceRun {
  const date = /extract_date=(\d{4}-\d{2}-\d{2})/.exec(p.directory)?.[1] ?? p.started_at.slice(0, 10);
  return {
    run_id: p.run_id,
    status: 'unfinished',
    directory: p.directory,
    extract_date: date,
    mode: p.mode,
    rows: p.rows,
    started_at: p.started_at,
    // Key order, as the manifest will list them (a split run commits its ranges' parts interleaved).
    files: partsInKeyOrder(p.parts).flatMap((part) =>
      part.files.map((file, i) => ({
        path: path.join(p.directory, file),
        rows: part.rows,
        bytes: part.bytes[i] ?? 0,
        sha256: part.sha256[i] ?? '',
      })),
    ),
  };
}

function directories(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((name) => {
    try {
      return statSync(path.join(dir, name)).isDirectory();
    } catch {
      return false;
    }
  });
}

function readRecord(file: string): Pick<RunSummary, 'run_id' | 'sources'> | undefined {
  try {
    const record = JSON.parse(readFileSync(file, 'utf8')) as Partial<RunSummary> | null;
    return record && typeof record.run_id === 'string' && Array.isArray(record.sources)
      ? (record as RunSummary)
      : undefined;
  } catch {
    return undefined;
  }
}
