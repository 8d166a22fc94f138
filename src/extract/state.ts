/**
 * Per-source extraction state, one small JSON file per source, replaced atomically (temp file +
 * fsync + rename), readable with `cat`:
 * - `watermark`: the keyset position after the last row delivered by a finished incremental (or
 *   full) run; the next incremental starts after it.
 * - `pending`: the unfinished run, checkpointed after every committed part: its frozen high-water
 *   mark, the committed parts and the position after the last of them. A crashed run resumes here.
 * - `last_run`: what the last run did.
 * Its size grows with parts (large files), never with rows or keys.
 */
import { existsSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { StateError } from '../errors.js';
import { writeFileAtomic } from '../write/atomic.js';
import type { DateRange } from './date-range.js';
import type { RecentRows } from './lookback.js';
import type { SplitRun } from './split.js';

export type StoredValue = string | number | boolean | null;

export interface Watermark {
  /** Keyset columns: the cursor column, then (unless the run ended at a high-water mark) the primary key. */
  columns: string[];
  /** Driver values of those columns at the position (bigints as text). */
  values: StoredValue[];
}

export interface CommittedPartRecord {
  /** File names in the run directory, one per format. */
  files: string[];
  rows: number;
  bytes: number[];
  sha256: string[];
  /** Keyset values (cursor column first, then the primary key) of the part's first and last rows. */
  min_key?: StoredValue[];
  max_key?: StoredValue[];
  /** The driver's keyset position after the part's last row: where a re-extraction after it resumes. */
  end_position?: StoredValue[];
  /** Full and date-range runs: rows of the part at or below the start mark (see snapshot.ts). */
  settled?: number;
  /** The part's transformed rows, staged for loading (PendingRun.stage.directory). */
  staged?: StagedFile;
  /** Split runs: the key range the part belongs to (PendingRun.split.ranges), and its file index. */
  range?: number;
  index?: number;
}

/** A staged file: the transformed rows of one part, in the run's staging directory. */
export interface StagedFile {
  file: string;
  rows: number;
  bytes: number;
  sha256: string;
  /** The transform's counters for this part (rows_in, rows_out, values changed…): a run's totals
   * are the sum over its committed parts, whichever attempt or process wrote them. */
  counters?: Record<string, number>;
}

export interface PendingRun {
  run_id: string;
  mode: 'incremental' | 'full' | 'range';
  range?: DateRange;
  formats: string[];
  directory: string;
  started_at: string;
  /** Upper bound on the cursor column, frozen when the run started (database clock minus settle lag). */
  high_water?: StoredValue;
  /** Where the run started (the watermark then); reconciliation counts from here. */
  start: Watermark | undefined;
  /** Position after the last committed part. */
  position: Watermark | undefined;
  rows: number;
  parts: CommittedPartRecord[];
  attempts: number;
  /** Lookback runs: the watermark the run started behind, rows skipped as already delivered, and the window's digests. */
  previous?: StoredValue[];
  skipped?: number;
  /** Lookback runs: rows behind the previous watermark that no run had delivered (late commits caught). */
  caught?: number;
  recent?: RecentRows;
  /** Full and date-range runs with a cursor column: the mark frozen at start, and the rows written
   * whose cursor is at or below it (see snapshot.ts). */
  snapshot_mark?: StoredValue;
  settled_rows?: number;
  /** Rows committed behind this run's start since the last run (keys above max_key): late, and not read. */
  late_behind?: number;
  /** Runs that stage transformed rows for loading: where, and which transform (a resume must match). */
  stage?: { directory: string; fingerprint: string };
  /** Full and date-range runs read as concurrent key ranges: the boundaries and each range's position. */
  split?: SplitRun;
}

/** Where rows delivered to the raw files, but not to the processed dataset, begin. */
export interface Unloaded {
  /** The watermark before the first run that did not load; null: from the start. */
  watermark: Watermark | null;
  /** That run. */
  since_run: string;
}

export interface SourceState {
  source: string;
  watermark?: Watermark;
  /** With a lookback window: digests of the rows delivered within it (see lookback.ts). */
  recent?: RecentRows;
  /** The highest primary key seen by the incremental runs so far, for late-row detection (late-rows.ts). */
  max_key?: Watermark;
  /** Rows delivered to raw files but not to the processed dataset begin here (pipeline/next-state.ts). */
  unloaded?: Unloaded;
  pending?: PendingRun;
  last_run?: {
    run_id: string;
    mode: string;
    status: 'succeeded' | 'failed' | 'interrupted';
    rows: number;
    finished_at: string;
    error?: string;
  };
}

export class StateStore {
  constructor(readonly directory: string) {}

  file(source: string): string {
    return path.join(this.directory, `${source}.json`);
  }

  read(source: string): SourceState {
    const file = this.file(source);
    if (!existsSync(file)) return { source };
    let state: unknown;
    try {
      state = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw corrupt(file, source, (e as Error).message);
    }
    const problem = shapeProblem(state, source);
    if (problem) throw corrupt(file, source, problem);
    return state as SourceState;
  }

  async write(state: SourceState): Promise<void> {
    await writeFileAtomic(
      this.file(state.source),
      JSON.stringify(state, null, 2) + '\n',
      0o640,
      'extraction.state_dir',
    );
  }

  async update(source: string, change: (state: SourceState) => SourceState): Promise<SourceState> {
    const next = change(this.read(source));
    await this.write(next);
    return next;
  }

  async reset(source: string): Promise<boolean> {
    const file = this.file(source);
    const existed = existsSync(file);
    await rm(file, { force: true });
    return existed;
  }
}

function corrupt(file: string, source: string, why: string): StateError {
  return new StateError(`state file ${file} is unreadable: ${why}`, {
    hint: `restore it, or run \`moh-etl state reset ${source}\` (the next incremental then starts over)`,
  });
}

/** The parts of the shape the engine relies on; a hand-edited file is caught here, not mid-run. */
function shapeProblem(state: unknown, source: string): string | undefined {
  if (typeof state !== 'object' || state === null || Array.isArray(state)) return 'not a JSON object';
  const s = state as Record<string, unknown>;
  if (s.source !== source) return `"source" is ${JSON.stringify(s.source)}, expected "${source}"`;
  for (const key of ['watermark', 'pending'] as const) {
    const v = s[key] as Record<string, unknown> | undefined;
    if (v === undefined) continue;
    if (typeof v !== 'object' || v === null) return `"${key}" is not an object`;
  }
  const wm = s.watermark as Partial<Watermark> | undefined;
  if (
    wm &&
    (!Array.isArray(wm.columns) || !Array.isArray(wm.values) || wm.columns.length !== wm.values.length)
  )
    return '"watermark" needs "columns" and "values" arrays of the same length';
  const p = s.pending as Partial<PendingRun> | undefined;
  if (p && (typeof p.run_id !== 'string' || !Array.isArray(p.parts) || typeof p.rows !== 'number'))
    return '"pending" needs "run_id", "parts" and "rows"';
  return undefined;
}

/** Driver values made JSON-safe: BigInt as text (SQLite safe integers), Buffers refused. */
export function toStoredValues(values: readonly unknown[]): StoredValue[] {
  return values.map((v) => {
    if (typeof v === 'bigint') return v.toString();
    if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
    if (v instanceof Date) return v.toISOString();
    throw new TypeError(`cannot store a ${typeof v} as a watermark value`);
  });
}
