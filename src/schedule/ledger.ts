/**
 * The schedule ledger (data/state/schedule.json): per job, the newest scheduled time that is
 * settled, the run in flight, and the last outcome. It is what lets a restarted scheduler catch up
 * what it missed. A run counts as settled when it finished (succeeded or failed), was skipped, or
 * was reported missed; an interrupted run (SIGTERM) or one in flight when the scheduler died is
 * not, so the next start catches it up and the run resumes from its checkpoint.
 * Written whole and atomically (temp file, fsync, rename), mode 0640.
 */
import { readFile } from 'node:fs/promises';
import { StateError } from '../errors.js';
import { writeFileAtomic } from '../write/atomic.js';

export const LEDGER_VERSION = 1;

export type JobOutcomeStatus = 'succeeded' | 'failed' | 'interrupted' | 'skipped' | 'missed';

export interface JobOutcome {
  status: JobOutcomeStatus;
  /** The scheduled time (ISO) the outcome is for; for `missed`, the newest missed one. */
  scheduled_for: string;
  /** When it was decided or the run ended (ISO). */
  at: string;
  exit_code?: number;
  run_id?: string;
  /** Why it was skipped, missed or interrupted, in one line (no values). */
  reason?: string;
  /** For `missed`: how many run times it stands for. */
  count?: number;
}

export interface LedgerEntry {
  /**
   * Every run time up to here is settled (ISO). Missed runs are the run times after it. For a
   * job seen for the first time it is the moment the scheduler first saw it.
   */
  settled_until?: string;
  /** A run started and not yet finished. Present at start-up: the scheduler died during it. */
  in_flight?: { scheduled_for: string; started_at: string; catch_up: boolean };
  last_outcome?: JobOutcome;
}

export interface ScheduleLedger {
  version: number;
  jobs: Record<string, LedgerEntry>;
}

/** The ledger at `file`; an empty one when there is none yet. Throws StateError when unreadable. */
export async function readLedger(file: string): Promise<ScheduleLedger> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { version: LEDGER_VERSION, jobs: {} };
    throw e;
  }
  try {
    const parsed = JSON.parse(text) as Partial<ScheduleLedger>;
    if (typeof parsed.jobs !== 'object' || parsed.jobs === null) throw new Error('no "jobs" object');
    return { version: LEDGER_VERSION, jobs: parsed.jobs };
  } catch (e) {
    throw new StateError(`the schedule ledger ${file} is unreadable: ${(e as Error).message}`, {
      cause: e,
      hint: `fix or remove it; without it, the scheduler starts afresh and catches up nothing missed so far`,
    });
  }
}

/**
 * The ledger held in memory and written after every change. Writes are queued so two jobs
 * finishing at once cannot interleave; `flush()` waits for the queue.
 */
export class LedgerStore {
  #ledger: ScheduleLedger;
  #queue: Promise<void> = Promise.resolve();
  #failure: unknown;

  private constructor(
    readonly file: string,
    ledger: ScheduleLedger,
  ) {
    this.#ledger = ledger;
  }

  static async open(file: string): Promise<LedgerStore> {
    return new LedgerStore(file, await readLedger(file));
  }

  entry(job: string): Readonly<LedgerEntry> {
    return this.#ledger.jobs[job] ?? {};
  }

  /** Change a job's entry and queue a write of the whole ledger. */
  update(job: string, change: (entry: LedgerEntry) => LedgerEntry): void {
    this.#ledger.jobs[job] = change({ ...(this.#ledger.jobs[job] ?? {}) });
    const text = JSON.stringify(this.#ledger, null, 2) + '\n';
    this.#queue = this.#queue
      .then(() => writeFileAtomic(this.file, text, 0o640))
      .catch((e: unknown) => {
        this.#failure = e;
      });
  }

  /** Wait for queued writes; rethrows the first write that failed. */
  async flush(): Promise<void> {
    await this.#queue;
    if (this.#failure !== undefined) {
      const failure = this.#failure;
      this.#failure = undefined;
      throw failure instanceof Error ? failure : new Error('the ledger write failed', { cause: failure });
    }
  }
}
