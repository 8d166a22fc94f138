/**
 * Numbers → CheckResults: the threshold decides the status, the message says in one line what was
 * expected and what was found, and the null policy and the denominator are stated in both.
 */
import type { CheckPlan } from './compile.js';
import type { CheckResult, SampleRow } from './result.js';
import { allowedRows, observed, statusOf } from './threshold.js';

export interface Tally {
  failed: number;
  rows: number;
  nulls?: number;
  value?: number | string;
  samples?: SampleRow[];
  /** Overrides the generated message (set-level checks with their own wording). */
  message?: string;
}

export function evaluate(p: CheckPlan, t: Tally): CheckResult {
  const denominator = p.denominator === 'non_null' ? t.rows - (t.nulls ?? 0) : t.rows;
  const status = statusOf(t.failed, denominator, p.fail, p.warn);
  const obs = { ...observed(t.failed, t.rows, denominator, t.nulls), value: t.value };
  const of = `${t.failed} of ${denominator} ${p.denominator === 'non_null' ? 'non-NULL rows' : 'rows'} (${obs.percent}%)`;
  const nullNote =
    t.nulls === undefined
      ? ''
      : `; ${t.nulls} NULL${p.nulls ? ` (${p.nulls === 'fail' ? 'counted as failures' : 'not counted as failures'})` : ''}`;
  const limit = `fail above ${describeThreshold(p.fail, denominator)}${p.warn === undefined ? '' : `, warn above ${describeThreshold(p.warn, denominator)}`}`;
  return {
    id: p.id,
    kind: p.kind,
    columns: p.columns,
    severity: p.severity,
    engine: p.engine,
    status,
    observed: obs,
    threshold: { warn: p.warn, fail: p.fail, denominator: p.denominator },
    null_policy: p.nulls,
    message: `${t.message ?? `${of} fail`}${nullNote} — ${limit}`,
    samples: t.samples ?? [],
  };
}

function describeThreshold(t: number | string, denominator: number): string {
  return typeof t === 'number' ? String(t) : `${t} (${allowedRows(t, denominator)} rows)`;
}

/** A check that could not run: status error, impact by its severity. */
export function errored(
  p: Pick<
    CheckPlan,
    'id' | 'kind' | 'columns' | 'severity' | 'engine' | 'fail' | 'warn' | 'denominator' | 'nulls'
  >,
  message: string,
): CheckResult {
  return {
    id: p.id,
    kind: p.kind,
    columns: p.columns,
    severity: p.severity,
    engine: p.engine,
    status: 'error',
    observed: { failed: 0, rows: 0, percent: 0 },
    threshold: { warn: p.warn, fail: p.fail, denominator: p.denominator },
    null_policy: p.nulls,
    message: `could not run: ${message}`,
    samples: [],
  };
}
