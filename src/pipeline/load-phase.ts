/**
 * The load phase of one source: the run's staged (transformed) rows into the processed dataset. An
 * incremental or date-range run merges (the latest cursor wins per key); a full run — the weekly
 * refresh — replaces the dataset, which is also how hard deletes leave it. The previous version is
 * archived by the store (src/load/).
 */
import type { Logger } from '../observe/logger.js';
import type { SourceOutcome } from './extract-source.js';
import { describeFailure } from './failure.js';
import { PhaseClock } from './phases.js';
import type { PipelineContext } from './source-pipeline.js';
import type { SourceStage } from './stage.js';
import type { Phase, PhaseRecord } from './summary.js';

export interface LoadFailure {
  error: string;
  hint?: string;
}

export async function loadPhase(
  ctx: PipelineContext,
  name: string,
  outcome: SourceOutcome & { stage?: SourceStage },
  finish: (phase: Phase, record: PhaseRecord) => void,
  log: Logger,
): Promise<LoadFailure | undefined> {
  const clock = new PhaseClock();
  ctx.emit({ type: 'phase-started', source: name, phase: 'load' });
  const source = ctx.loaded.config.sources[name]!;
  const kind = outcome.mode === 'full' ? 'replace' : 'merge';
  const files = outcome.staged ?? [];
  if (kind === 'merge' && files.length === 0) {
    finish(
      'load',
      clock.done({
        status: 'succeeded',
        rows_in: 0,
        rows_out: currentRows(ctx, name),
        note: 'nothing new to merge',
      }),
    );
    return undefined;
  }
  try {
    const result = await ctx.datasets!.load(kind, {
      source: name,
      runs: [{ run_id: outcome.run_id!, files }],
      columns: outcome.stage!.columns,
      key_columns: source.primary_key,
      ...(source.cursor_column ? { cursor_column: source.cursor_column } : {}),
      high_water: outcome.high_water ?? null,
    });
    for (const w of result.warnings) ctx.emit({ type: 'warning', source: name, message: w });
    finish(
      'load',
      clock.done({
        status: 'succeeded',
        rows_in: result.rows_in,
        rows_out: result.rows_after,
        version: result.version,
        counts: {
          rows_before: result.rows_before,
          inserted: result.inserted,
          updated: result.updated,
          deleted: result.deleted,
          soft_deleted: result.soft_deleted,
          duplicates: result.duplicates,
          stale: result.stale,
          files_written: result.files_written,
        },
      }),
    );
    log.info({ version: result.version, rows: result.rows_after, kind }, 'dataset loaded');
    return undefined;
  } catch (e) {
    const failure = describeFailure(e, { connection: source.connection, source: name }, undefined);
    log.error({ err: e }, 'load failed');
    finish(
      'load',
      clock.done({
        status: 'failed',
        rows_in: files.length ? outcome.rows : 0,
        rows_out: 0,
        error: failure.message,
      }),
    );
    return { error: failure.message, hint: failure.hint };
  }
}

function currentRows(ctx: PipelineContext, name: string): number {
  return ctx.datasets?.current(name)?.rows ?? 0;
}
