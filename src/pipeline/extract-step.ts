/**
 * The extract step: each requested source in turn (see extract-source.ts for one source's
 * exactly-once cycle, source-attempts.ts for its lock and retries). A failing source does not stop
 * the others; the run fails (exit 1) if any source failed, and a failed source's checkpoint stays
 * for the next run to resume.
 */
import path from 'node:path';
import type { LoadedConfig } from '../config/load.js';
import { OUTPUT_FORMATS, type ExtractionMode, type OutputFormat } from '../config/schema.js';
import { ConnectionSet } from '../db/connection.js';
import { requireDrivers } from '../db/drivers.js';
import { UsageError } from '../errors.js';
import type { DateRange } from '../extract/date-range.js';
import { StateStore } from '../extract/state.js';
import type { Logger } from '../observe/logger.js';
import type { RowBatch } from '../schema/column-types.js';
import { writerFor } from '../write/registry.js';
import { newRunId } from './run-id.js';
import { extractWithAttempts } from './source-attempts.js';
import { concurrencyFor, runInOrder } from './source-order.js';
import { RECORD_VERSION, type RunSummary, type SourceResult } from './summary.js';

export interface ExtractOptions {
  /** Default: every enabled source. */
  sources?: string[];
  /** Overrides each source's configured mode. */
  mode?: ExtractionMode;
  range?: DateRange;
  formats?: OutputFormat[];
  /** Discard unfinished runs instead of resuming them. */
  fresh?: boolean;
  runId?: string;
  /** Stop at the next part boundary (the part in progress is committed); the run is `interrupted`. */
  signal?: AbortSignal;
  /** Called after each source, for progress output. */
  onSource?: (result: SourceResult) => void;
  /** Rows written so far by a source's run, after every batch. */
  onProgress?: (source: string, rows: number) => void;
  /** The rows a source's run is estimated to read, when the database's planner says (EXPLAIN; no row read). */
  onEstimate?: (source: string, rows: number) => void;
  /**
   * Called as each attempt at a source starts; the function it returns gets each batch of rows that
   * attempt writes. A retried attempt resumes from the last checkpoint, so it sees again the rows of
   * the part that was not committed: what an earlier attempt saw is to be dropped.
   */
  batchObserver?: (
    source: string,
    attempt: number,
  ) => ((batch: RowBatch) => void | Promise<void>) | undefined;
}

export async function runExtract(
  loaded: LoadedConfig,
  options: ExtractOptions,
  log: Logger,
): Promise<RunSummary> {
  const { config, root } = loaded;
  const sources = options.sources ?? Object.keys(config.sources).filter((s) => config.sources[s]!.enabled);
  options = { ...options, sources };
  checkRequest(loaded, { sources, formats: options.formats });
  const runId = options.runId ?? newRunId();
  const started = new Date();
  const connections = new ConnectionSet(config.connections, root, {
    warn: (m) => log.warn(m),
    debug: (m) => log.debug(m),
  });
  const store = new StateStore(path.resolve(root, config.extraction.state_dir));
  let results: SourceResult[] = [];
  try {
    const one = async (name: string): Promise<SourceResult> => {
      const source = config.sources[name]!;
      const outcome = await extractWithAttempts(
        loaded,
        connections,
        store,
        {
          name,
          mode: options.mode ?? source.mode ?? config.extraction.default_mode,
          range: options.range,
          formats: options.formats,
          fresh: options.fresh,
          runId,
          started,
          signal: options.signal,
          onProgress: options.onProgress && ((rows) => options.onProgress!(name, rows)),
          onEstimate: options.onEstimate && ((rows) => options.onEstimate!(name, rows)),
          observer: options.batchObserver && ((attempt) => options.batchObserver!(name, attempt)),
        },
        log.child({ source: name, run_id: runId }),
      );
      const {
        plan: _p,
        next: _n,
        staged: _s,
        failure: _f,
        increment: _a,
        high_water: _h,
        ...result
      } = outcome;
      options.onSource?.(result);
      return result;
    };
    const stopped = () => options.signal?.aborted === true;
    results = await runInOrder(sources, new Map(), concurrencyFor(config, sources), stopped, one);
  } finally {
    await connections.closeAll();
  }
  const finished = new Date();
  return {
    record_version: RECORD_VERSION,
    run_id: runId,
    command: 'extract',
    status: runStatus(results, options.signal),
    started_at: started.toISOString(),
    finished_at: finished.toISOString(),
    duration_ms: finished.getTime() - started.getTime(),
    range: options.range,
    sources: results,
  };
}

/** Succeeded when every source did; interrupted when stopped by the signal; failed otherwise. */
export function runStatus(results: readonly SourceResult[], signal?: AbortSignal): RunSummary['status'] {
  if (signal?.aborted || results.some((r) => r.status === 'interrupted')) return 'interrupted';
  return results.every((r) => r.status === 'succeeded') ? 'succeeded' : 'failed';
}

/**
 * Refuse, before anything is read, a request that would lose rows or name nothing real: a run that
 * writes no file still moves the watermark, and an unknown source must not reach a lookup.
 */
export function checkRequest(
  loaded: LoadedConfig,
  options: { sources: readonly string[]; formats?: OutputFormat[] },
): void {
  const known = Object.keys(loaded.config.sources);
  const list: unknown = options.sources;
  if (!Array.isArray(list))
    throw new UsageError(`sources must be a list of source names (valid: ${known.join(', ')})`);
  const unknown = options.sources.filter((s) => !Object.hasOwn(loaded.config.sources, s));
  if (unknown.length > 0)
    throw new UsageError(
      `unknown source ${unknown.map((u) => `"${u}"`).join(', ')} (valid: ${known.join(', ')})`,
    );
  const formats = options.formats ?? loaded.config.output.formats;
  if (formats.length === 0)
    throw new UsageError('no output format: a run that writes no file would lose its rows', {
      hint: `choose at least one of ${OUTPUT_FORMATS.join(', ')}`,
    });
  for (const f of formats) writerFor(f);
  // A driver that is not installed is a setup problem found before anything runs (exit 2).
  requireDrivers(loaded.config, options.sources);
}
