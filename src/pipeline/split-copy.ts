/**
 * The copy of a run split into key ranges (extract/split.ts): one lane per unfinished range, all at
 * once, each its own keyset stream on its own pooled connection, each committing its own parts into
 * the one run directory and the one checkpoint (copy-rows.ts serialises the checkpoint's writes).
 *
 * Part indexes come from one counter in the checkpoint, so they are unique across ranges; each part
 * record names its range. A range read to its end is marked done and not read again on a resume.
 *
 * When one lane fails, the others stop at their next batch boundary and commit the part they hold
 * (nothing read is thrown away), then the first failure is thrown: a retry resumes every range from
 * its own position. A signal stops every lane the same way, then the run reports the interruption.
 */
import type { LoadedConfig } from '../config/load.js';
import type { SourceConnection } from '../db/connection.js';
import type { SourcePlan } from '../extract/plan.js';
import type { SnapshotCursor } from '../extract/snapshot.js';
import { rangePlan, type SplitRun } from '../extract/split.js';
import { toStoredValues, type PendingRun, type StateStore } from '../extract/state.js';
import type { WriterSpec } from '../write/writer.js';
import { copyLane, interrupted, runCopy, type CopyHooks, type Lane, type RunCopy } from './copy-rows.js';

export async function copySplit(
  loaded: LoadedConfig,
  conn: SourceConnection,
  store: StateStore,
  plan: SourcePlan,
  pending: PendingRun,
  split: SplitRun,
  specs: WriterSpec[],
  snapshot: SnapshotCursor | undefined,
  hooks: CopyHooks = {},
): Promise<void> {
  pending.attempts += 1;
  const failed = new AbortController();
  let failure: { error: unknown } | undefined;
  const lanes: Lane[] = [];
  const run: RunCopy = {
    ...runCopy(loaded, conn, store, plan, pending, specs, snapshot, hooks, false),
    stopped: () => hooks.signal?.aborted === true || failed.signal.aborted,
    progress: () => hooks.onProgress?.(lanes.reduce((n, l) => n + l.openRows, pending.rows)),
  };
  const reads = split.ranges.map(async (range, i) => {
    if (range.done) return;
    const lane: Lane = {
      plan: rangePlan(conn.dialect, plan, split, i),
      start: range.position,
      range: i,
      openRows: 0,
      nextIndex: () => split.next_part++,
      advance: (last) => (range.position = { columns: [...plan.orderColumns], values: toStoredValues(last) }),
    };
    lanes.push(lane);
    try {
      const end = await copyLane(run, lane);
      if (end.complete) {
        range.done = true;
        await run.checkpoint();
      }
    } catch (e) {
      // The first failure is the cause; a lane failing after it (stopping on a full disk) is not.
      failure ??= { error: e };
      failed.abort();
    }
  });
  await Promise.all(reads);
  if (failure) throw failure.error;
  if (hooks.signal?.aborted) await interrupted(run, hooks.signal);
}
