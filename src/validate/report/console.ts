/** The console summary a person reads at a glance: one line per source, then each failed or warning check. */
import type { SourceReport } from '../result.js';

const MARK: Record<string, string> = {
  pass: 'ok',
  warn: 'WARN',
  fail: 'FAIL',
  error: 'ERROR',
  skipped: 'skip',
};

export function summaryLines(reports: readonly SourceReport[]): string[] {
  const lines: string[] = [];
  const width = Math.max(6, ...reports.map((r) => label(r).length));
  for (const r of reports) {
    const count = (...statuses: string[]) => r.checks.filter((c) => statuses.includes(c.status)).length;
    const [failed, warned, skipped] = [count('fail', 'error'), count('warn'), count('skipped')];
    const note = r.scope.empty ? ' — the increment was empty' : '';
    lines.push(
      `${label(r).padEnd(width)}  ${r.verdict.toUpperCase().padEnd(8)}  ${r.rows.toLocaleString('en-US')} rows, ` +
        `${r.checks.length} checks: ${count('pass')} passed, ${warned} warned, ${failed} failed` +
        (skipped ? `, ${skipped} skipped` : '') +
        note +
        (r.error ? ` — ${r.error}` : ''),
    );
    for (const c of r.checks) {
      if (c.status === 'pass' || c.status === 'skipped') continue;
      lines.push(`  ${MARK[c.status]} [${c.severity}] ${c.id}: ${c.message}`);
    }
  }
  return lines;
}

/** The dataset-scope report of a source is listed under its own label. */
function label(r: SourceReport): string {
  return r.scope.kind === 'dataset' ? `${r.source} (dataset)` : r.source;
}
