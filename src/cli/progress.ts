/**
 * Progress on a terminal: one live line per source (phase, rows, rows/s, elapsed), drawn on stderr
 * by cli-progress while the run goes, from the pipeline's events. Nothing when stderr is not a
 * terminal or with --json: cron mail and log files get the summary only.
 */
import cliProgress from 'cli-progress';
import type { EventListener, PipelineEvent } from '../observe/events.js';
import { formatCount } from './print.js';

export function progressListener(stream: NodeJS.WriteStream = process.stderr): EventListener | undefined {
  if (!stream.isTTY) return undefined;
  const bars = new cliProgress.MultiBar(
    {
      stream,
      format: '{source} {phase} {rows} rows {rate} rows/s {duration_formatted}',
      hideCursor: true,
      clearOnComplete: false,
      fps: 5,
      noTTYOutput: false,
    },
    cliProgress.Presets.shades_classic,
  );
  const lines = new Map<string, cliProgress.SingleBar>();
  const width = 12;
  const line = (source: string) => {
    let bar = lines.get(source);
    if (!bar) {
      bar = bars.create(0, 0, { source: source.padEnd(width), phase: ''.padEnd(9), rows: '0', rate: '0' });
      lines.set(source, bar);
    }
    return bar;
  };
  return (e: PipelineEvent) => {
    switch (e.type) {
      case 'phase-started':
        line(e.source).update({ phase: e.phase.padEnd(9) });
        break;
      case 'progress':
        line(e.source).update({ rows: formatCount(e.rows), rate: formatCount(e.rows_per_s) });
        break;
      case 'phase-finished':
        line(e.source).update({
          phase: `${e.phase} ${e.record.status === 'succeeded' ? 'ok' : e.record.status}`.padEnd(9),
          rows: formatCount(e.record.rows_out),
        });
        break;
      case 'run-finished':
        bars.stop();
        break;
      default:
        break;
    }
  };
}

/** `--json`: every event as one JSON line on stdout, then the run record as a final `summary` line. */
export function jsonListener(write: (line: string) => void): EventListener {
  return (e) => {
    write(JSON.stringify(e));
    if (e.type === 'run-finished') write(JSON.stringify({ type: 'summary', ...e.record }));
  };
}
