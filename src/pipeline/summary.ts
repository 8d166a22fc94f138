/**
 * The run summary: what a run did, per source. Written to results/runs/<run_id>.json for
 * `moh-etl status`, monitoring and the scheduler's catch-up logic.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { redactSecrets } from '../config/secret.js';
import { writeFileAtomic } from '../write/atomic.js';

export type SourceStatus = 'succeeded' | 'failed';

export interface SourceResult {
  source: string;
  /** The run that produced the files: this run, or the earlier unfinished run it resumed. */
  run_id?: string;
  status: SourceStatus;
  mode: string;
  rows: number;
  files: string[];
  manifest?: string;
  duration_ms: number;
  note?: string;
  /** Things the operator should know that did not stop the source (missing index, rows changed). */
  warnings?: string[];
  error?: string;
  hint?: string;
}

export interface RunSummary {
  run_id: string;
  command: string;
  status: 'succeeded' | 'failed';
  started_at: string;
  finished_at: string;
  range?: { start: string; end: string };
  sources: SourceResult[];
}

export const RUNS_DIR = 'results/runs';

export async function saveSummary(root: string, summary: RunSummary): Promise<string> {
  const file = path.join(root, RUNS_DIR, `${summary.run_id}.json`);
  await writeFileAtomic(file, redactSecrets(JSON.stringify(summary, null, 2)) + '\n', 0o640);
  return file;
}

/** The newest summaries first. */
export function recentSummaries(root: string, limit = 20): RunSummary[] {
  const dir = path.join(root, RUNS_DIR);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .reverse()
    .slice(0, limit)
    .map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as RunSummary);
}
