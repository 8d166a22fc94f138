/**
 * What a check reports. The shape is part of the JSON report (REPORT_VERSION): add fields, never
 * change the meaning of one without bumping the version.
 */
import type { CheckScopeName, Severity, Threshold } from '../config/validation-schema.js';
import type { CellValue } from '../schema/column-types.js';

/** Version of the JSON report schema (results/validation/<run_id>/<source>.json). */
export const REPORT_VERSION = 1;

export type CheckKind =
  | 'row_count'
  | 'not_null'
  | 'dates'
  | 'unique'
  | 'references'
  | 'type'
  | 'range'
  | 'accepted_values'
  | 'pattern'
  | 'freshness';

/** pass; warn (above the warn threshold); fail (above the fail threshold); error (could not run); skipped. */
export type CheckStatus = 'pass' | 'warn' | 'fail' | 'error' | 'skipped';

/** Where a check ran: pushed down to SQL (the source database, or DuckDB at dataset scope), or over the streamed rows. */
export type Engine = 'sql' | 'stream';

export interface Observed {
  /** Rows (or, for unique, surplus rows beyond the first of each key) that fail the check. */
  failed: number;
  /** Rows in range. */
  rows: number;
  /** Rows where the checked column is NULL (value checks). Reported whatever the null policy. */
  nulls?: number;
  /** failed as a percentage of the denominator. */
  percent: number;
  /** A kind-specific observed value: the row count, the history median, duplicate groups, freshness's MAX(column). */
  value?: number | string;
  /** Freshness: hours from the newest value to now (negative when it lies in the future). */
  age_hours?: number;
}

export interface ThresholdReport {
  warn?: Threshold;
  fail: Threshold;
  /** What percentages are a share of: `rows` (all rows in range) or `non_null`. */
  denominator: 'rows' | 'non_null';
  /** Freshness: the configured ages (`fail` and `warn` do not apply to it). */
  after?: { warn?: string; error?: string; critical?: string };
}

export type SampleRow = Record<string, CellValue>;

export interface CheckResult {
  /** Unique within the source: the configured name, or kind(columns). */
  id: string;
  kind: CheckKind;
  columns: string[];
  severity: Severity;
  engine: Engine;
  /** What the check looked at: the extracted increment (or source), or the processed dataset. */
  scope: CheckScopeName;
  status: CheckStatus;
  observed: Observed;
  threshold: ThresholdReport;
  /** Value checks: whether NULL counts as a failure. */
  null_policy?: 'ignore' | 'fail';
  /** One line a person reads: what was expected and what was found. */
  message: string;
  /** Up to validation.sample_rows failing rows, PII masked. */
  samples: SampleRow[];
}

/** The outcome of a source for the exit code: the worst failed severity. */
export type Verdict = 'ok' | 'warning' | 'error' | 'critical';

export interface DayCount {
  day: string;
  rows: number;
}

export interface SourceReport {
  report_version: typeof REPORT_VERSION;
  run_id: string;
  source: string;
  generated_at: string;
  /** What was checked: the date range, the extracted run's range, or the whole source. */
  scope: ScopeDescription;
  rows: number;
  duration_ms: number;
  verdict: Verdict;
  checks: CheckResult[];
  /** Rows per day of the source's date_column (the HTML chart). */
  days: DayCount[];
  /** A check or the source itself could not run. */
  error?: string;
}

export interface ScopeDescription {
  /** range, full, incremental: rows of the source (increment-scope checks); dataset: the processed dataset. */
  kind: 'range' | 'full' | 'incremental' | 'dataset';
  range?: { start: string; end: string };
  /** The incremental run's high-water mark, when checks cover an extracted increment. */
  high_water?: string | number | boolean | null;
  /** Rows the extraction wrote, for reconciliation. */
  written?: number;
  /** Incremental: the extraction found no rows, and the checks other than freshness were skipped. */
  empty?: boolean;
  /** Dataset: the version checked, when the caller named it. */
  version?: string;
  description: string;
}
