/**
 * The extract step: each requested source in turn (see extract-source.ts for one source's
 * exactly-once cycle). A failing source does not stop the others; the run fails (exit 1) if any
 * source failed, and a failed source's checkpoint stays for the next run to resume.
 */
import path from 'node:path';
import type { LoadedConfig } from '../config/load.js';
import type { ExtractionMode, OutputFormat } from '../config/schema.js';
import pRetry from 'p-retry';
import { parseDuration } from '../config/duration.js';
import { redactSecrets } from '../config/secret.js';
import { ConnectionSet, type SourceConnection } from '../db/connection.js';
import { isMohEtlError } from '../errors.js';
import type { DateRange } from '../extract/date-range.js';
import { lockSource, type SourceLock } from '../extract/lock.js';
import { StateStore } from '../extract/state.js';
import type { Logger } from '../observe/logger.js';
import type { RowBatch } from '../schema/column-types.js';
import { extractSource } from './extract-source.js';
import { newRunId } from './run-id.js';
import type { RunSummary, SourceResult } from './summary.js';

export interface ExtractOptions {
  sources: string[];
  /** Overrides each source's configured mode. */
  mode?: ExtractionMode;
  range?: DateRange;
  formats?: OutputFormat[];
  /** Discard unfinished runs instead of resuming them. */
  fresh?: boolean;
  runId?: string;
  /** Called after each source, for progress output. */
  onSource?: (result: SourceResult) => void;
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
  const runId = options.runId ?? newRunId();
  const started = new Date();
  const connections = new ConnectionSet(config.connections, root, {
    warn: (m) => log.warn(m),
    debug: (m) => log.debug(m),
  });
  const store = new StateStore(path.resolve(root, config.extraction.state_dir));
  const results: SourceResult[] = [];
  try {
    for (const name of options.sources) {
      const t0 = Date.now();
      const source = config.sources[name]!;
      const mode = options.mode ?? source.mode ?? config.extraction.default_mode;
      const slog = log.child({ source: name, run_id: runId });
      let result: SourceResult;
      let lock: SourceLock | undefined;
      try {
        lock = lockSource(store.directory, name, runId);
        const conn = connections.get(source.connection);
        result = await withRetry(loaded, conn, slog, (attempt) =>
          extractSource(
            loaded,
            conn,
            store,
            {
              name,
              mode,
              range: options.range,
              formats: options.formats,
              fresh: options.fresh && attempt === 1,
              runId,
              started,
              onBatch: options.batchObserver?.(name, attempt),
            },
            slog,
          ),
        );
        slog.info({ rows: result.rows, files: result.files.length }, 'source extracted');
      } catch (e) {
        // Driver messages can quote a connection string; this one goes to state and run summaries.
        const message = redactSecrets((e as Error).message);
        result = {
          source: name,
          status: 'failed',
          mode: options.range ? 'range' : mode,
          rows: 0,
          files: [],
          duration_ms: Date.now() - t0,
          error: message,
          hint: isMohEtlError(e)
            ? e.hint
            : nextStep(e, name, source.query ?? name, connections, source.connection),
        };
        slog.error({ err: e }, 'source failed');
        // Another process owns the state while it holds the lock; recording our failure there
        // would overwrite its progress.
        if (lock) await recordFailure(store, name, runId, result, slog);
      } finally {
        lock?.release();
      }
      results.push(result);
      options.onSource?.(result);
    }
  } finally {
    await connections.closeAll();
  }
  return {
    run_id: runId,
    command: 'extract',
    status: results.every((r) => r.status === 'succeeded') ? 'succeeded' : 'failed',
    started_at: started.toISOString(),
    finished_at: new Date().toISOString(),
    range: options.range,
    sources: results,
  };
}

/** What to do about an error the library did not classify: a driver's own message. */
function nextStep(
  e: unknown,
  source: string,
  query: string,
  connections: ConnectionSet,
  connection: string,
): string {
  let transient = false;
  try {
    transient = connections.get(connection).dialect.isTransient(e);
  } catch {
    // The connection itself could not be opened: the same advice as a lost one.
    transient = true;
  }
  return transient
    ? `the connection "${connection}" failed after every retry; \`moh-etl check\` tests it`
    : `check query template "${query}" in config/queries.yml (\`moh-etl extract --sources ${source} --dry-run\` prints the SQL)`;
}

/** Best effort: the source already failed, and a second failure (disk full) must not hide the first. */
async function recordFailure(
  store: StateStore,
  name: string,
  runId: string,
  result: SourceResult,
  log: Logger,
): Promise<void> {
  try {
    await store.update(name, (s) => ({
      ...s,
      last_run: {
        run_id: s.pending?.run_id ?? runId,
        mode: result.mode,
        status: 'failed',
        rows: s.pending?.rows ?? 0,
        finished_at: new Date().toISOString(),
        error: result.error,
      },
    }));
  } catch (e) {
    log.error({ err: e }, 'could not record the failure in the state file');
  }
}

/**
 * Transient errors (as the dialect classifies them: connection lost, deadlock, failover) are
 * retried with exponential backoff and jitter; each attempt resumes from the last checkpoint.
 * Anything else fails the source at once.
 */
async function withRetry<T>(
  loaded: LoadedConfig,
  conn: SourceConnection,
  log: Logger,
  fn: (attempt: number) => Promise<T>,
): Promise<T> {
  const retry = loaded.config.extraction.retry;
  return pRetry((attempt) => fn(attempt), {
    retries: retry.attempts - 1,
    minTimeout: parseDuration(retry.min_delay),
    maxTimeout: parseDuration(retry.max_delay),
    randomize: true,
    shouldRetry: ({ error }) => conn.dialect.isTransient(error),
    onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
      if (retriesLeft > 0 && conn.dialect.isTransient(error)) {
        log.warn(
          { err: error, attempt: attemptNumber },
          `transient error; resuming from the last checkpoint (${retriesLeft} retries left)`,
        );
      }
    },
  });
}
