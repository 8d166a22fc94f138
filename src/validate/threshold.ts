/**
 * Thresholds: `warn:` and `fail:` as a count or a percentage of a stated denominator. A check fails
 * when its failing rows are strictly above `fail` (default 0: any failing row fails), warns when
 * above `warn`.
 */
import type { Severity, Threshold } from '../config/validation-schema.js';
import type { CheckResult, CheckStatus, Observed, Verdict } from './result.js';

/** The threshold as a row count for this denominator (a percentage rounds down). */
export function allowedRows(threshold: Threshold, denominator: number): number {
  if (typeof threshold === 'number') return threshold;
  const pct = Number(threshold.slice(0, -1));
  return Math.floor((pct / 100) * denominator + 1e-9);
}

export function statusOf(
  failed: number,
  denominator: number,
  fail: Threshold,
  warn?: Threshold,
): CheckStatus {
  if (failed > allowedRows(fail, denominator)) return 'fail';
  if (warn !== undefined && failed > allowedRows(warn, denominator)) return 'warn';
  return 'pass';
}

export function observed(failed: number, rows: number, denominator: number, nulls?: number): Observed {
  const percent = denominator > 0 ? Math.round((failed / denominator) * 1e6) / 1e4 : 0;
  return { failed, rows, nulls, percent };
}

const RANK: Record<Verdict, number> = { ok: 0, warning: 1, error: 2, critical: 3 };

/** What one result means for the run: a failed check counts at its severity; a warn status as a warning. */
export function impactOf(result: Pick<CheckResult, 'status' | 'severity'>): Verdict {
  if (result.status === 'fail' || result.status === 'error') return verdictOf(result.severity);
  if (result.status === 'warn') return 'warning';
  return 'ok';
}

function verdictOf(severity: Severity): Verdict {
  return severity === 'critical'
    ? 'critical'
    : severity === 'error'
      ? 'error'
      : severity === 'warn'
        ? 'warning'
        : 'ok';
}

export function worst(verdicts: Verdict[]): Verdict {
  return verdicts.reduce<Verdict>((a, b) => (RANK[b] > RANK[a] ? b : a), 'ok');
}
