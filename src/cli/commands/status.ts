/**
 * `moh-etl status`: each source's watermark, last run and unfinished run; each scheduled job's last
 * result, next run and success rate; the most recent runs. `--json`: the same as one object.
 * Watermark values of identifying columns (patient_id…) are masked: status is read over shoulders.
 */
import path from 'node:path';
import type { LoadedConfig } from '../../config/load.js';
import { ExitCode } from '../../errors.js';
import { StateStore, type SourceState } from '../../extract/state.js';
import { describePosition } from '../../extract/watermark-text.js';
import { jobStatus, type JobStatus } from '../../observe/metrics/index.js';
import { recentSummaries } from '../../pipeline/summary.js';
import { listJobs } from '../../schedule/index.js';
import { piiColumns } from '../../transform/pii-names.js';
import { loadContext } from '../context.js';
import type { CommonFlags } from '../options.js';
import { formatCount, stdout, table, type Out } from '../print.js';

export async function statusCommand(flags: CommonFlags, out: Out = stdout): Promise<number> {
  const loaded = loadContext(flags);
  const store = new StateStore(path.resolve(loaded.root, loaded.config.extraction.state_dir));
  const sources = Object.keys(loaded.config.sources).map((name) => ({ name, state: store.read(name) }));
  const jobs = await jobsOf(loaded);
  const runs = recentSummaries(loaded.root, 5);
  if (flags.json) {
    out(
      JSON.stringify({
        sources: sources.map(({ name, state }) => ({
          source: name,
          watermark: shownWatermark(loaded, name, state),
          last_run: state.last_run ?? null,
          unfinished: state.pending
            ? { run_id: state.pending.run_id, parts: state.pending.parts.length, rows: state.pending.rows }
            : null,
          not_loaded_since: state.unloaded?.since_run ?? null,
        })),
        jobs,
        recent_runs: runs.map((r) => ({
          run_id: r.run_id,
          command: r.command,
          status: r.status,
          job: r.job ?? null,
        })),
      }),
    );
    return ExitCode.Success;
  }
  const rows = [['source', 'watermark', 'last run', 'status', 'rows', 'finished', 'unfinished run']];
  for (const { name, state: s } of sources) {
    const last = s.last_run;
    rows.push([
      name,
      shownWatermark(loaded, name, s) ?? '-',
      last?.run_id ?? 'never',
      last?.status ?? '-',
      last ? formatCount(last.rows) : '-',
      last?.finished_at ?? '-',
      s.pending
        ? `${s.pending.run_id} (${s.pending.parts.length} parts, ${formatCount(s.pending.rows)} rows)`
        : '-',
    ]);
  }
  table(rows, out);
  for (const { name, state: s } of sources)
    if (s.unloaded)
      out(
        `${name}: rows extracted since run ${s.unloaded.since_run} are not in the processed dataset yet; the next \`moh-etl run\` of ${name} loads them`,
      );
  if (jobs.length > 0) {
    out('');
    out('Scheduled jobs:');
    table(
      [
        ['job', 'last result', 'finished', 'success rate', 'next run'],
        ...jobs.map((j) => [
          j.job,
          j.last?.status ?? 'never run',
          j.last?.finished_at ?? '-',
          j.success_rate === undefined ? '-' : `${Math.round(j.success_rate * 100)}% of ${j.runs}`,
          j.next ?? '-',
        ]),
      ],
      out,
    );
  }
  if (runs.length > 0) {
    out('');
    out('Recent runs:');
    table(
      [
        ['run', 'command', 'status', 'sources', 'rows'],
        ...runs.map((r) => [
          r.run_id,
          r.job ? `${r.command} --job ${r.job}` : r.command,
          r.status,
          String(r.sources.length),
          formatCount(r.sources.reduce((n, x) => n + x.rows, 0)),
        ]),
      ],
      out,
    );
  }
  return ExitCode.Success;
}

/** Each job's last result and success rate (run records), and its next run time (its cron). */
async function jobsOf(loaded: LoadedConfig): Promise<(JobStatus & { next?: string })[]> {
  const schedules = loaded.config.schedules;
  if (Object.keys(schedules).length === 0) return [];
  // No index file: status only reads (the run records themselves; the metrics listener keeps the index).
  const statuses = await jobStatus(loaded.root, schedules, { window: loaded.config.metrics.success_window });
  const next = new Map(listJobs(schedules, new Date(), 1).map((l) => [l.name, l.next[0]]));
  return statuses.map((s) => ({ ...s, ...(next.get(s.job) ? { next: next.get(s.job) } : {}) }));
}

/** `col=value …`, with the values of identifying columns masked. */
function shownWatermark(loaded: LoadedConfig, name: string, s: SourceState): string | undefined {
  if (!s.watermark) return undefined;
  const pii = new Set(piiColumns(loaded.config.sources[name]!.pii_columns, s.watermark.columns));
  return describePosition(s.watermark, undefined, pii);
}
