/**
 * The pipeline benchmark's figures: per source and phase from the run record
 * (results/runs/<run_id>.json), the dataset checks' share of each load from the run's validation
 * reports, and the process as a whole (wall, CPU, peak RSS) from GNU time; printed as markdown.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { RUNS_DIR, type RunRecord } from '../../src/pipeline/summary.js';
import type { ProcessFigures } from './bench-pipeline-project.js';
import type { RssByPhase } from './bench-pipeline-rss.js';

const MB = 1024 * 1024;

/** The newest run record of the project (run ids sort by time). */
export function latestRunRecord(root: string): RunRecord {
  const dir = path.join(root, RUNS_DIR);
  const newest = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .at(-1);
  if (!newest) throw new Error(`no run record under ${dir}`);
  return JSON.parse(readFileSync(path.join(dir, newest), 'utf8')) as RunRecord;
}

/** Seconds the dataset-scope checks took after `source`'s load, from `<report_dir>/<run>/<source>.dataset.json`. */
function datasetCheckSeconds(reportDir: string, runId: string, source: string): number | undefined {
  const file = path.join(reportDir, runId, `${source}.dataset.json`);
  if (!existsSync(file)) return undefined;
  const report = JSON.parse(readFileSync(file, 'utf8')) as { duration_ms?: number };
  return report.duration_ms === undefined ? undefined : report.duration_ms / 1000;
}

const s = (ms: number | undefined): string => (ms === undefined ? '–' : (ms / 1000).toFixed(2));
const n = (x: number | undefined): string => (x === undefined ? '–' : x.toLocaleString('en-US'));

export interface Targets {
  seconds: number;
  rssMb: number;
}

const mb = (bytes: number | undefined): string => (bytes === undefined ? '–' : (bytes / MB).toFixed(0));

/** The markdown report of one measured run. */
export function report(
  record: RunRecord,
  reportDir: string,
  proc: ProcessFigures,
  targets: Targets,
  rss: RssByPhase,
): string {
  const lines = [
    '| source | mode | rows | extract s | (transform s) | validate s | load s | (dataset checks s) | source s | process peak RSS MB while extract / validate / load ran | dataset rows | load: +new / ~updated / files written |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  ];
  const total = { rows: 0, extract: 0, transform: 0, validate: 0, load: 0, checks: 0, source: 0, dataset: 0 };
  for (const r of record.sources) {
    const p = r.phases ?? {};
    const checks = datasetCheckSeconds(reportDir, record.run_id, r.source);
    const load = p.load;
    const counts = load?.counts;
    lines.push(
      `| ${r.source} | ${r.mode} | ${n(r.rows)} | ${s(p.extract?.duration_ms)} | ${s(p.transform?.duration_ms)} | ${s(p.validate?.duration_ms)} | ${s(load?.duration_ms)} | ${checks === undefined ? '–' : checks.toFixed(2)} | ${s(r.duration_ms)} | ${['extract', 'validate', 'load'].map((ph) => mb(rss.peak(r.source, ph))).join(' / ')} | ${n(load?.rows_out)} | ${counts ? `+${n(counts.inserted)} / ~${n(counts.updated)} / ${n(counts.files_written)}` : (load?.note ?? '–')} |`,
    );
    total.rows += r.rows;
    total.extract += p.extract?.duration_ms ?? 0;
    total.transform += p.transform?.duration_ms ?? 0;
    total.validate += p.validate?.duration_ms ?? 0;
    total.load += load?.duration_ms ?? 0;
    total.checks += (checks ?? 0) * 1000;
    total.source += r.duration_ms;
    total.dataset += load?.rows_out ?? 0;
  }
  lines.push(
    `| **total** | | **${n(total.rows)}** | **${s(total.extract)}** | (${s(total.transform)}) | **${s(total.validate)}** | **${s(total.load)}** | (${s(total.checks)}) | **${s(total.source)}** | | ${n(total.dataset)} | |`,
  );
  const peak = proc.peakRssBytes === undefined ? undefined : proc.peakRssBytes / MB;
  const outside = proc.wallSeconds - total.source / 1000;
  lines.push(
    '',
    '| process | figure | target |',
    '| --- | ---: | --- |',
    `| exit code (run status) | ${proc.code} (${record.status}) | 0 |`,
    `| wall time, spawn to exit | ${proc.wallSeconds.toFixed(2)} s | < ${targets.seconds} s ${proc.wallSeconds < targets.seconds ? 'met' : '**missed**'} |`,
    // With extraction.concurrency > 1 sources overlap, and their seconds add up to more than the wall time.
    outside >= 0
      ? `| of which outside the sources (start-up, config, connections, reports, metrics, exit) | ${outside.toFixed(2)} s | |`
      : `| sources side by side: their seconds add up to | ${(total.source / 1000).toFixed(2)} s | |`,
    `| CPU, user + system, all threads | ${proc.cpuSeconds === undefined ? '– (no /usr/bin/time)' : `${proc.cpuSeconds.toFixed(2)} s`} | |`,
    `| peak RSS (sampled: start-up ${mb(rss.peaks.get('start-up'))} MB, reports and exit ${mb(rss.peaks.get('reports and exit'))} MB) | ${peak === undefined ? '– (no /usr/bin/time)' : `${peak.toFixed(0)} MB`} | < ${targets.rssMb} MB ${peak === undefined ? '' : peak < targets.rssMb ? 'met' : '**missed**'} |`,
  );
  return lines.join('\n');
}
