/**
 * Each configured job's last result and its success rate over its recent scheduled runs, for
 * `moh-etl status` (the command adds the next run time from src/schedule/). From the run
 * records, through the same digests as the textfile.
 */
import { readRunDigests } from './history.js';
import { DEFAULT_SUCCESS_WINDOW, scheduleRatios } from './state.js';

export interface JobStatus {
  job: string;
  /** The newest run of the job (scheduled or `run --job` by hand); absent when it never ran. */
  last?: { run_id: string; status: string; finished_at: string; exit_code?: number };
  /** Scheduled runs in the window, and how many succeeded. */
  runs: number;
  succeeded: number;
  /** succeeded / runs; absent when there was no scheduled run. */
  success_rate?: number;
}

export interface JobStatusOptions {
  /** The last N scheduled runs (metrics.success_window); default 30. */
  window?: number;
  /** Digest cache (history.ts), e.g. <metrics.directory>/.runs-index.json. */
  indexFile?: string;
}

/** One entry per configured job, in the configuration's order. */
export async function jobStatus(
  root: string,
  schedules: Readonly<Record<string, unknown>>,
  options: JobStatusOptions = {},
): Promise<JobStatus[]> {
  const digests = await readRunDigests(root, options.indexFile);
  const ratios = new Map(
    scheduleRatios(digests, options.window ?? DEFAULT_SUCCESS_WINDOW).map((r) => [r.schedule, r]),
  );
  return Object.keys(schedules).map((job) => {
    const last = digests.findLast((d) => d.job === job);
    const ratio = ratios.get(job);
    return {
      job,
      ...(last
        ? {
            last: {
              run_id: last.run_id,
              status: last.status,
              finished_at: last.finished_at,
              ...(last.exit_code === undefined ? {} : { exit_code: last.exit_code }),
            },
          }
        : {}),
      runs: ratio?.runs ?? 0,
      succeeded: ratio?.succeeded ?? 0,
      ...(ratio ? { success_rate: ratio.ratio } : {}),
    };
  });
}
