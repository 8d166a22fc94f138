/**
 * row_count results: the min/max assertion, the reconciliation of rows written by the extraction
 * with a COUNT over the same scope, and the anomaly check against the run history.
 */
import type { CheckPlan } from './compile.js';
import { evaluate } from './evaluate.js';
import { rowCountAnomaly, type MetricsEntry } from './history.js';
import type { CheckResult } from './result.js';

export function rowCountResults(
  p: CheckPlan,
  rows: number,
  written: number | undefined,
  history: readonly MetricsEntry[],
  scope: string,
): CheckResult[] {
  const c = p.config;
  if (c.check !== 'row_count') return [];
  const out: CheckResult[] = [];
  const low = c.min !== undefined && rows < c.min;
  const high = c.max !== undefined && rows > c.max;
  const bounds = [
    c.min !== undefined ? `at least ${c.min}` : '',
    c.max !== undefined ? `at most ${c.max}` : '',
  ]
    .filter(Boolean)
    .join(' and ');
  out.push({
    ...evaluate(p, {
      failed: low || high ? 1 : 0,
      rows,
      value: rows,
      message: `${rows} rows${bounds ? `, expected ${bounds}` : ''}`,
    }),
    // A row count is a single assertion: a threshold on "failing rows" has no meaning for it.
    status: low || high ? 'fail' : 'pass',
  });
  if (c.reconcile && written !== undefined) {
    const diff = Math.abs(rows - written);
    out.push({
      ...evaluate(
        { ...p, id: `${p.id}.reconcile` },
        {
          failed: diff,
          rows,
          value: written,
          message: `${written} rows written by the extraction, ${rows} counted in the source over the same range (difference ${diff})`,
        },
      ),
    });
  }
  if (c.anomaly) {
    const a = rowCountAnomaly(history, scope, rows, c.anomaly);
    const base = evaluate(
      { ...p, id: `${p.id}.anomaly` },
      { failed: 0, rows, value: a.median, message: a.message },
    );
    out.push({ ...base, status: a.status, message: a.message });
  }
  return out;
}
