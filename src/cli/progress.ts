/**
 * Progress on a terminal: one live line per source (phase, rows, rows/s, elapsed, and the share done
 * and time left when the database's planner estimated the rows: PostgreSQL, MySQL/MariaDB), drawn on
 * stderr by cli-progress while the run goes. `run` feeds it the pipeline's events; `extract` its
 * progress callbacks. Nothing when stderr is not a terminal or with --json: cron mail and log files
 * get the summary only.
 */
import cliProgress from 'cli-progress';
import type { EventListener, PipelineEvent } from '../observe/events.js';
import type { ExtractOptions } from '../pipeline/extract-step.js';
import { formatCount } from './print.js';

const WIDTH = 12;

/** The live lines: one per source. */
class ProgressLines {
  readonly #bars: cliProgress.MultiBar;
  readonly #lines = new Map<string, cliProgress.SingleBar>();

  constructor(stream: NodeJS.WriteStream) {
    this.#bars = new cliProgress.MultiBar(
      {
        stream,
        // `{eta}` is cli-progress's own token (from a total we do not set): ours is `{left}`.
        format: '{source} {phase} {rows} rows {rate} rows/s {duration_formatted}{left}',
        hideCursor: true,
        clearOnComplete: false,
        fps: 5,
        noTTYOutput: false,
      },
      cliProgress.Presets.shades_classic,
    );
  }

  line(source: string): cliProgress.SingleBar {
    let bar = this.#lines.get(source);
    if (!bar) {
      bar = this.#bars.create(0, 0, {
        source: source.padEnd(WIDTH),
        phase: ''.padEnd(9),
        rows: '0',
        rate: '0',
        left: '',
      });
      this.#lines.set(source, bar);
    }
    return bar;
  }

  rows(source: string, rows: number, perSecond: number, estimate: number | undefined): void {
    this.line(source).update({
      rows: formatCount(rows),
      rate: formatCount(perSecond),
      left: timeLeft(rows, estimate, perSecond),
    });
  }

  stop(): void {
    this.#bars.stop();
  }
}

/** `run`: the pipeline's events drawn as lines; undefined when stderr is not a terminal. */
export function progressListener(stream: NodeJS.WriteStream = process.stderr): EventListener | undefined {
  if (!stream.isTTY) return undefined;
  const lines = new ProgressLines(stream);
  return (e: PipelineEvent) => {
    switch (e.type) {
      case 'phase-started':
        lines.line(e.source).update({ phase: e.phase.padEnd(9) });
        break;
      case 'progress':
        lines.rows(e.source, e.rows, e.rows_per_s, e.estimate);
        break;
      case 'phase-finished':
        lines.line(e.source).update({
          phase: `${e.phase} ${e.record.status === 'succeeded' ? 'ok' : e.record.status}`.padEnd(9),
          rows: formatCount(e.record.rows_out),
          rate: rateOf(e.record.rows_out, e.record.duration_ms),
          left: '',
        });
        break;
      case 'run-finished':
        lines.stop();
        break;
      default:
        break;
    }
  };
}

/** `extract`: runExtract's callbacks drawn as lines, and `stop` once it returns; undefined off a terminal. */
export function extractProgress(
  stream: NodeJS.WriteStream = process.stderr,
): (Pick<ExtractOptions, 'onProgress' | 'onEstimate' | 'onSource'> & { stop(): void }) | undefined {
  if (!stream.isTTY) return undefined;
  const lines = new ProgressLines(stream);
  // The rate counts from the first batch a source reports: the rows before it came in no known time.
  const first = new Map<string, { at: number; rows: number }>();
  const estimates = new Map<string, number>();
  const last = new Map<string, number>();
  return {
    onEstimate: (source, rows) => estimates.set(source, rows),
    onProgress: (source, rows) => {
      const now = performance.now();
      const from = first.get(source);
      if (!from) {
        first.set(source, { at: now, rows });
        lines.line(source).update({ phase: 'extract'.padEnd(9), rows: formatCount(rows) });
        return;
      }
      if (now - (last.get(source) ?? from.at) < 200) return;
      last.set(source, now);
      const perSecond = Math.round((rows - from.rows) / ((now - from.at) / 1000));
      lines.rows(source, rows, perSecond, estimates.get(source));
    },
    onSource: (r) =>
      lines.line(r.source).update({
        phase: `extract ${r.status === 'succeeded' ? 'ok' : r.status}`.padEnd(9),
        rows: formatCount(r.rows),
        rate: rateOf(r.rows, r.duration_ms),
        left: '',
      }),
    stop: () => lines.stop(),
  };
}

/** A finished phase's rows/s over its whole duration. */
function rateOf(rows: number, ms: number): string {
  return formatCount(Math.round(rows / Math.max(ms / 1000, 0.001)));
}

/**
 * " 42% ~1m 05s left" from the planner's estimate; nothing without one, or once the rows pass it (an
 * estimate is a guess: a share over 100 % or a negative time would only confuse).
 */
export function timeLeft(rows: number, estimate: number | undefined, perSecond: number): string {
  if (!estimate || rows >= estimate || perSecond <= 0) return '';
  const share = Math.floor((rows / estimate) * 100);
  return ` ${share}% ~${clock(Math.ceil((estimate - rows) / perSecond))} left`;
}

/** 45s, 3m 05s, 2h 10m. */
function clock(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m}m ${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

/** `--json`: every event as one JSON line on stdout, then the run record as a final `summary` line. */
export function jsonListener(write: (line: string) => void): EventListener {
  return (e) => {
    write(JSON.stringify(e));
    if (e.type === 'run-finished') write(JSON.stringify({ type: 'summary', ...e.record }));
  };
}
