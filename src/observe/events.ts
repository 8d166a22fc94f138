/**
 * The pipeline's typed events. The pipeline emits them and does not know who listens: the CLI's
 * progress line, `--json` (one NDJSON object per event), metrics, alerts, the audit log and library
 * users (`onEvent`) all consume this one union. Events carry counts, names and paths — never a cell
 * value or a secret.
 */
import type { Phase, PhaseRecord, RunSummary, SourceResult } from '../pipeline/summary.js';

interface Base {
  run_id: string;
  /** ISO 8601 instant the event was emitted. */
  at: string;
}

export type PipelineEvent =
  | (Base & {
      type: 'run-started';
      command: string;
      sources: string[];
      phases: Phase[];
      job?: string;
      mode?: string;
      range?: { start: string; end: string };
    })
  | (Base & { type: 'phase-started'; source: string; phase: Phase })
  | (Base & {
      type: 'progress';
      source: string;
      phase: Phase;
      /** Rows so far in this phase. */
      rows: number;
      /** The planner's estimate of the rows the phase will read, when known. */
      estimate?: number;
      rows_per_s: number;
    })
  | (Base & { type: 'phase-finished'; source: string; phase: Phase; record: PhaseRecord })
  | (Base & { type: 'warning'; source?: string; message: string })
  | (Base & { type: 'source-finished'; result: SourceResult })
  | (Base & { type: 'run-finished'; record: RunSummary; file?: string });

export type PipelineEventType = PipelineEvent['type'];
export type EventListener = (event: PipelineEvent) => void;
