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
    scope: p.scope,
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

type PlanHead = Pick<
  CheckPlan,
  'id' | 'kind' | 'columns' | 'severity' | 'engine' | 'scope' | 'fail' | 'warn' | 'denominator' | 'nulls'
>;

/** A check that could not run: status error, impact by its severity. */
export function errored(p: PlanHead, message: string): CheckResult {
  return { ...notRun(p, 0), status: 'error', message: `could not run: ${message}` };
}

/**
 * A check that did not apply (an empty increment, no processed dataset yet): status skipped,
 * which never changes the verdict. `rows` is what the scope held (0 for an empty increment).
 */
export function skipped(p: PlanHead, message: string, rows = 0): CheckResult {
  return { ...notRun(p, rows), status: 'skipped', message };
}

function notRun(p: PlanHead, rows: number): Omit<CheckResult, 'status' | 'message'> {
  return {
    id: p.id,
    kind: p.kind,
    columns: p.columns,
    severity: p.severity,
    engine: p.engine,
    scope: p.scope,
    observed: { failed: 0, rows, percent: 0 },
    threshold: { warn: p.warn, fail: p.fail, denominator: p.denominator },
    null_policy: p.nulls,
    samples: [],
  };
}
