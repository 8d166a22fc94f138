/**
 * Reports on disk, append-only by run id: results/validation/<run_id>/<source>.json (the versioned
 * JSON report, failing-row samples included) and results/validation/<run_id>/report.html. A run id
 * is unique, and files are created exclusively (`wx`), so an earlier run's samples are never
 * overwritten.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { SourceReport } from '../result.js';
import { renderHtml } from './html.js';

export interface WrittenReports {
  directory: string;
  json: string[];
  html?: string;
}

export function writeReports(
  reportDir: string,
  runId: string,
  reports: readonly SourceReport[],
  html: boolean,
): WrittenReports {
  const directory = path.join(reportDir, runId);
  mkdirSync(directory, { recursive: true });
  const json = reports.map((r) => {
    const file = path.join(directory, `${r.source}.json`);
    writeFileSync(file, JSON.stringify(r, null, 2) + '\n', { flag: 'wx', mode: 0o640 });
    return file;
  });
  if (!html) return { directory, json };
  const file = path.join(directory, 'report.html');
  writeFileSync(file, renderHtml(runId, reports), { flag: 'wx', mode: 0o640 });
  return { directory, json, html: file };
}
