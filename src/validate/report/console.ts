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
  const width = Math.max(6, ...reports.map((r) => r.source.length));
  for (const r of reports) {
    const failed = r.checks.filter((c) => c.status === 'fail' || c.status === 'error').length;
    const warned = r.checks.filter((c) => c.status === 'warn').length;
    lines.push(
      `${r.source.padEnd(width)}  ${r.verdict.toUpperCase().padEnd(8)}  ${r.rows.toLocaleString('en-US')} rows, ` +
        `${r.checks.length} checks: ${r.checks.length - failed - warned} passed, ${warned} warned, ${failed} failed` +
        (r.error ? ` — ${r.error}` : ''),
    );
    for (const c of r.checks) {
      if (c.status === 'pass' || c.status === 'skipped') continue;
      lines.push(`  ${MARK[c.status]} [${c.severity}] ${c.id}: ${c.message}`);
    }
  }
  return lines;
}
