/**
 * One source's extraction as a unit of work: its lock, its attempts and its failure. Transient
 * errors (as the dialect classifies them: connection lost, deadlock, failover) are retried with
 * exponential backoff and jitter, each attempt resuming from the last checkpoint. An attempt that
 * committed a part before failing does not use up the budget — a long run on a flaky network keeps
 * going while it makes progress — but the total number of attempts is capped.
 */
import pRetry from 'p-retry';
import { parseDuration } from '../config/duration.js';
import type { LoadedConfig } from '../config/load.js';
import type { ConnectionSet, SourceConnection } from '../db/connection.js';
import { failureKind } from '../db/failure.js';
import { RunInterrupted } from '../errors.js';
import { lockSource, type SourceLock } from '../extract/lock.js';
import type { StateStore } from '../extract/state.js';
import type { Logger } from '../observe/logger.js';
import { extractSource, type SourceOutcome, type SourceRunRequest } from './extract-source.js';
import { describeFailure } from './failure.js';

/** Attempts allowed in all, as a multiple of extraction.retry.attempts (progress does not reset this cap). */
export const TOTAL_ATTEMPTS_FACTOR = 10;

export interface AttemptRequest extends Omit<SourceRunRequest, 'onBatch' | 'fresh'> {
  fresh?: boolean;
  /** A fresh batch observer per attempt (a retried attempt re-reads the part it had not committed). */
  observer?: (attempt: number) => SourceRunRequest['onBatch'];
  /** The caller holds the source's lock (the pipeline keeps it through validate and load). */
  lockHeld?: boolean;
}

/** Extract one source under its lock; a failure becomes a failed outcome, never a throw. */
export async function extractWithAttempts(
  loaded: LoadedConfig,
  connections: ConnectionSet,
  store: StateStore,
  req: AttemptRequest,
  log: Logger,
): Promise<SourceOutcome & { failure?: unknown }> {
  const t0 = Date.now();
  const source = loaded.config.sources[req.name]!;
  let lock: SourceLock | undefined;
  try {
    if (!req.lockHeld) lock = lockSource(store.directory, req.name, req.runId);
    const refusal = connections.refusal(source.connection);
    if (refusal !== undefined) throw refusal;
    const conn = connections.get(source.connection);
    const outcome = await withRetry(loaded, conn, store, req, log, async (attempt) => {
      // The sources sharing a connection log in once between them (ConnectionSet.ready).
      await connections.ready(source.connection);
      const refused = connections.refusal(source.connection);
      if (refused !== undefined) throw refused;
      return extractSource(
        loaded,
        conn,
        store,
        { ...req, fresh: req.fresh && attempt === 1, onBatch: req.observer?.(attempt) },
        log,
      );
    });
    log.info({ rows: outcome.rows, files: outcome.files.length }, 'source extracted');
    return { ...outcome, duration_ms: Date.now() - t0 };
  } catch (caught) {
    // An abort during a retry's back-off rejects with the signal's reason, not an error of ours.
    const e =
      req.signal?.aborted && !(caught instanceof RunInterrupted)
        ? new RunInterrupted(`source "${req.name}" stopped`, String(req.signal.reason))
        : caught;
    const failure = describeFailure(
      e,
      { connection: source.connection, source: req.name, template: source.query ?? req.name },
      connections.dialectOf(source.connection),
    );
    const interrupted = req.signal?.aborted === true;
    const kind = failureKind(connections.dialectOf(source.connection)?.failureCodes, e);
    if ((kind === 'auth' || kind === 'unknown-database') && e instanceof Error)
      connections.refuse(source.connection, e);
    const result: SourceOutcome & { failure: unknown } = {
      source: req.name,
      status: interrupted ? 'interrupted' : 'failed',
      mode: req.range ? 'range' : req.mode,
      // What the unfinished run has committed so far: the next run resumes after it.
      rows: committedRows(store, req.name),
      files: [],
      duration_ms: Date.now() - t0,
      error: failure.message,
      hint: failure.hint,
      failure: e,
    };
    if (interrupted) log.warn(failure.message);
    else log.error({ err: e }, 'source failed');
    // Another process owns the state while it holds the lock; recording our failure there
    // would overwrite its progress.
    if (lock || req.lockHeld) await recordFailure(store, req.name, req.runId, result, log);
    return result;
  } finally {
    lock?.release();
  }
}

async function withRetry<T>(
  loaded: LoadedConfig,
  conn: SourceConnection,
  store: StateStore,
  req: AttemptRequest,
  log: Logger,
  fn: (attempt: number) => Promise<T>,
): Promise<T> {
  const retry = loaded.config.extraction.retry;
  const cap = retry.attempts * TOTAL_ATTEMPTS_FACTOR;
  let total = 0;
  // A round is one p-retry budget; a round that committed a part before running out starts another.
  for (;;) {
    const partsAtStart = committedParts(store, req.name);
    try {
      return await pRetry(() => fn(++total), {
        retries: retry.attempts - 1,
        minTimeout: parseDuration(retry.min_delay),
        maxTimeout: parseDuration(retry.max_delay),
        randomize: true,
        signal: req.signal,
        shouldRetry: ({ error }) => total < cap && !req.signal?.aborted && conn.dialect.isTransient(error),
        onFailedAttempt: ({ error, retriesLeft }) => {
          if (retriesLeft > 0 && total < cap && conn.dialect.isTransient(error) && !req.signal?.aborted)
            log.warn(
              { err: error, attempt: total },
              `transient error; resuming from the last checkpoint (attempt ${total} failed)`,
            );
        },
      });
    } catch (e) {
      const progressed = committedParts(store, req.name) > partsAtStart;
      if (!progressed || total >= cap || req.signal?.aborted || !conn.dialect.isTransient(e)) throw e;
      log.warn(
        { err: e, attempt: total },
        'transient error; parts were committed since the last one, so the retry budget starts again',
      );
    }
  }
}

function committedParts(store: StateStore, name: string): number {
  try {
    return store.read(name).pending?.parts.length ?? 0;
  } catch {
    return 0;
  }
}

/** Rows the source's unfinished run has committed (0 when the state cannot be read). */
function committedRows(store: StateStore, name: string): number {
  try {
    return store.read(name).pending?.rows ?? 0;
  } catch {
    return 0;
  }
}

/** Best effort: the source already failed, and a second failure (disk full) must not hide the first. */
async function recordFailure(
  store: StateStore,
  name: string,
  runId: string,
  result: SourceOutcome,
  log: Logger,
): Promise<void> {
  try {
    await store.update(name, (s) => ({
      ...s,
      last_run: {
        run_id: s.pending?.run_id ?? runId,
        mode: result.mode,
        status: result.status === 'interrupted' ? 'interrupted' : 'failed',
        rows: s.pending?.rows ?? 0,
        finished_at: new Date().toISOString(),
        error: result.error,
      },
    }));
  } catch (e) {
    log.error({ err: e }, 'could not record the failure in the state file');
  }
}
