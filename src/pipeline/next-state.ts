/**
 * What a finished run leaves in the source's state, and where the next run starts.
 *
 * One watermark serves two destinations: the raw extracts and the processed dataset. A run that
 * moves the watermark without loading (`moh-etl extract`, `run --phases extract,validate`) leaves
 * rows in raw files that the processed dataset never got; the next incremental would start after
 * them and the dataset would miss them for good. So such a run records where the dataset stopped
 * (`unloaded`, the oldest such position is kept), and the next run that loads starts there instead
 * — re-reading those rows, which the merge folds in by key (no duplicates). A run that loads clears
 * the mark; so does a refresh (a full read replaces the dataset). A dataset that does not exist
 * (never loaded, or deleted) while the watermark says rows were delivered is rebuilt the same way,
 * from the start.
 */
import type { RecentRows } from '../extract/lookback.js';
import type { SourceState, Watermark } from '../extract/state.js';

export type { Unloaded } from '../extract/state.js';

export interface NextState {
  watermark?: Watermark;
  recent?: RecentRows;
  max_key?: Watermark;
}

/** How the run that finished delivered its rows. */
export interface Delivery {
  runId: string;
  /** The rows reached the processed dataset. */
  loaded: boolean;
}

/** The state with a finished run's watermark and lookback window applied. */
export function applyNext(state: SourceState, next: NextState, delivery: Delivery): SourceState {
  const moved = next.watermark !== undefined;
  const unloaded = delivery.loaded
    ? undefined
    : moved
      ? (state.unloaded ?? { watermark: state.watermark ?? null, since_run: delivery.runId })
      : state.unloaded;
  const { unloaded: _, ...rest } = state;
  return {
    ...rest,
    watermark: next.watermark ?? state.watermark,
    recent: next.recent ?? state.recent,
    max_key: next.max_key ?? state.max_key,
    ...(unloaded ? { unloaded } : {}),
  };
}

/** A full read that was loaded replaced the dataset: nothing before now is missing from it. */
export function loadedInFull(state: SourceState): SourceState {
  const { unloaded: _, ...rest } = state;
  return rest;
}

/**
 * Where an incremental run that will load starts, when not at the watermark: `undefined` to start
 * at the watermark as usual, otherwise the position (null: from the start) and why.
 */
export function loadStart(
  state: SourceState,
  datasetExists: boolean,
): { watermark: Watermark | null; why: string } | undefined {
  if (state.unloaded)
    return {
      watermark: state.unloaded.watermark,
      why: `rows extracted since run ${state.unloaded.since_run} were not loaded into the processed dataset: this run reads them again from there`,
    };
  if (state.watermark && !datasetExists)
    return {
      watermark: null,
      why: 'the processed dataset does not exist yet (never loaded, or removed): this run reads the source from the start to build it',
    };
  return undefined;
}
