/**
 * Reports on disk, append-only by run id: results/validation/<run_id>/<source>.json (the versioned
 * JSON report, failing-row samples included; `<source>.dataset.json` for the checks over the
 * processed dataset, so one run holds both) and results/validation/<run_id>/report.html. A run id
 * is unique, and files are created exclusively (`wx`), so an earlier run's samples are never
 * overwritten: write all of a run's reports in one call.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { SourceReport } from '../result.js';
import { ensureDirectory } from '../../write/atomic.js';
import { withFs } from '../../write/fs-failure.js';
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
  ensureDirectory(directory, 'validation.report_dir');
  const write = (file: string, text: string) =>
    withFs(
      'write',
      file,
      () => writeFileSync(file, text, { flag: 'wx', mode: 0o640 }),
      'validation.report_dir',
    );
  const json = reports.map((r) => {
    const file = path.join(directory, reportFileName(r));
    write(file, JSON.stringify(r, null, 2) + '\n');
    return file;
  });
  if (!html) return { directory, json };
  const file = path.join(directory, 'report.html');
  write(file, renderHtml(runId, reports));
  return { directory, json, html: file };
}

/** `<source>.json` for increment-scope checks, `<source>.dataset.json` for the processed dataset's. */
export function reportFileName(r: Pick<SourceReport, 'source' | 'scope'>): string {
  return `${r.source}${r.scope.kind === 'dataset' ? '.dataset' : ''}.json`;
}
