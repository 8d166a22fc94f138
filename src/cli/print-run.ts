/** The console summary of a pipeline run: one line per source with each phase, then what to know. */
import { formatCount, formatDuration, shownPath, table, type Out } from './print.js';
import { PHASES, type PhaseRecord, type RunRecord } from '../pipeline/summary.js';
import { resumedNote } from './commands/extract.js';

const MARK: Record<PhaseRecord['status'], string> = {
  succeeded: 'ok',
  failed: 'FAILED',
  skipped: '-',
  interrupted: 'STOPPED',
};

export function printRun(record: RunRecord, out: Out): void {
  const range = record.range ? ` for ${record.range.start} to ${record.range.end}` : '';
  out(`Run ${record.run_id}${record.job ? ` (job ${record.job})` : ''}${range}: ${record.status}`);
  const phases = record.phases ?? [...PHASES];
  const rows = [['source', 'mode', 'status', 'rows', ...phases, 'time']];
  for (const r of record.sources) {
    rows.push([
      r.source,
      r.mode,
      r.status === 'succeeded' ? 'ok' : r.status === 'interrupted' ? 'STOPPED' : 'FAILED',
      formatCount(r.rows),
      ...phases.map((p) => phaseCell(r.phases?.[p])),
      formatDuration(r.duration_ms),
    ]);
  }
  table(rows, out);
  for (const r of record.sources) {
    const load = r.phases?.load;
    if (load?.version)
      out(`${r.source}: dataset version ${load.version}, ${formatCount(load.rows_out)} rows`);
    if (r.run_id && r.run_id !== record.run_id) out(resumedNote(r.source, r.run_id));
    if (r.note) out(`note: ${r.source}: ${r.note}`);
    for (const w of r.warnings ?? []) out(`warning: ${r.source}: ${w}`);
    for (const c of r.phases?.validate?.checks ?? [])
      out(
        `${c.status === 'warn' ? 'warning' : 'check'}: ${r.source}: ${c.status.toUpperCase()} [${c.severity}] ${c.id}: ${c.message}`,
      );
    if (r.error) out(`error: ${r.source}: ${r.error}${r.hint ? ` (${r.hint})` : ''}`);
  }
  if (record.reports)
    out(`Validation reports: ${shownPath(record.reports.html ?? record.reports.directory)}`);
  out(`Run record: ${shownPath(`results/runs/${record.run_id}.json`)}`);
}

function phaseCell(p: PhaseRecord | undefined): string {
  if (!p) return '';
  if (p.status === 'skipped') return '-';
  return `${MARK[p.status]} ${formatDuration(p.duration_ms)}`;
}
