/**
 * Resuming a run split into key ranges: each range's committed parts are checked (exists, same size
 * and sha256 as at its commit) in key order, and a bad one rewinds only its own range — to the
 * position after the range's last good part, or to the range's start. The other ranges keep their
 * parts and positions: their rows are in files that are still whole.
 */
import type { SourcePlan } from '../extract/plan.js';
import type { SplitRun } from '../extract/split.js';
import type { CommittedPartRecord, PendingRun } from '../extract/state.js';
import type { Logger } from '../observe/logger.js';
import { firstBadPart } from '../write/verify-parts.js';

export async function rewindBadRanges(
  pending: PendingRun,
  split: SplitRun,
  plan: SourcePlan,
  log: Logger,
): Promise<void> {
  const dropped = new Set<CommittedPartRecord>();
  for (const [i, range] of split.ranges.entries()) {
    const own = pending.parts.filter((p) => p.range === i).sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
    const bad = await firstBadPart(pending.directory, own, true, pending.stage?.directory);
    if (!bad) continue;
    for (const p of own.slice(bad.index)) dropped.add(p);
    const resumeAt = own[bad.index - 1]?.end_position;
    range.position = resumeAt
      ? { columns: [...plan.orderColumns], values: resumeAt }
      : i === 0
        ? pending.start
        : undefined;
    range.done = false;
    log.warn(
      { run_id: pending.run_id, range: i, part: own[bad.index]?.index, file: bad.file, problem: bad.problem },
      `committed part ${own[bad.index]?.index ?? bad.index} (key range ${i}) of unfinished run ${pending.run_id} is ${bad.problem === 'missing' ? 'missing' : 'changed'}: re-extracting key range ${i} from ${resumeAt ? 'that part' : 'its start'}`,
    );
  }
  if (dropped.size === 0) return;
  pending.parts = pending.parts.filter((p) => !dropped.has(p));
  pending.rows = pending.parts.reduce((n, p) => n + p.rows, 0);
  if (pending.settled_rows !== undefined)
    pending.settled_rows = pending.parts.reduce((n, p) => n + (p.settled ?? 0), 0);
}
