/**
 * compileTransform: a source's transform config, checked against the columns its query returns
 * and compiled into one batch function, before any row is read. Every mistake that depends on the
 * columns (a missing column, a step on a non-text column, a PII column without a policy in the
 * deidentified profile, a missing key) is a typed error here, never a failure mid-run.
 */
import type { PiiPolicy, SourceTransformConfig, TransformConfig } from '../config/transform-schema.js';
import type { ColumnSpec, RowBatch } from '../schema/column-types.js';
import { TransformCounters } from './counters.js';
import { TransformConfigError, type TransformSite } from './errors.js';
import { piiColumns } from './pii-names.js';
import { describePolicy, policyKind } from './pii/policy.js';
import { pseudonymKey, tokenCache, type Environment, type Pseudonymiser } from './pseudonym-key.js';
import { stepKind } from './registry.js';
import { rowsTransform } from './rows.js';
import { columnNamed, type CompiledStep, type Layout, type RowOperation, type StepContext } from './step.js';

/** Default time zone for the calendar date of UTC timestamps. */
export const DEFAULT_TIME_ZONE = 'Asia/Singapore';

export interface CompileTransformOptions {
  /** The source's name (a key of `config.sources`, or a source without a transform). */
  source: string;
  config: TransformConfig;
  /** The columns of the batches the transform will get, in order. */
  columns: readonly ColumnSpec[];
  /** The source's `pii_columns`. Default: none (the default name list still applies). */
  piiColumns?: readonly string[];
  /** Where the pseudonymisation key is read from (process.env merged with .env). */
  env: Environment;
  /** Time zone of the calendar date of a UTC timestamp. Default Asia/Singapore. */
  timeZone?: string;
}

export interface CompiledTransform {
  /** The output columns: input columns minus dropped ones, retyped where a policy changed them, then derived ones. */
  readonly columns: ColumnSpec[];
  /** True when batches pass through unchanged (no steps, no policies). */
  readonly identity: boolean;
  /** A new batch with new rows; the input batch and its rows are not modified. */
  apply(batch: RowBatch): RowBatch;
  /** Per-run counts: rows_in, rows_out, and nulled./unmatched./unrecognised.<column>. */
  counters(): Record<string, number>;
}

/** Whether the source's transform pseudonymises anything, so the key must be set before the run. */
export function requiresPseudonymKey(config: TransformConfig, source: string): boolean {
  return Object.values(config.sources[source]?.pii ?? {}).includes('pseudonymise');
}

/** Compiles the transform of one source. Throws TransformConfigError or PseudonymKeyError (exit 2). */
export function compileTransform(options: CompileTransformOptions): CompiledTransform {
  const counters = new TransformCounters();
  const rowsIn = counters.declare('rows_in');
  const rowsOut = counters.declare('rows_out');
  const { layout, operations } = compileOperations(options, counters);
  const columns = layout.columns.map((c) => c.spec);
  const width = options.columns.length;
  const identity = operations.length === 0 && columns.length === width && layout.width === width;
  const inputNames = options.columns.map((c) => c.name);
  const rows = identity ? undefined : rowsTransform(width, layout, operations);
  return {
    columns,
    identity,
    apply(batch) {
      checkColumns(options.source, batch, inputNames);
      const n = batch.rows.length;
      counters.counts[rowsIn]! += n;
      counters.counts[rowsOut]! += n;
      return rows ? { columns, rows: rows(batch.rows) } : batch;
    },
    counters: () => counters.snapshot(),
  };
}

/** The steps in order, then (after the deidentified check) the PII policies: the final layout and operations. */
function compileOperations(
  options: CompileTransformOptions,
  counters: TransformCounters,
): { layout: Layout; operations: RowOperation[] } {
  const { source, config } = options;
  const own: SourceTransformConfig = config.sources[source] ?? { steps: [], pii: {} };
  const base = ['transform', 'sources', source];
  let token: Pseudonymiser | undefined;
  const context = (step: string, path: string[]): StepContext => {
    const site: TransformSite = { source, step, path };
    return {
      site,
      timeZone: options.timeZone ?? DEFAULT_TIME_ZONE,
      counts: counters.counts,
      counter: (name) => counters.declare(name),
      // Read on first use: a source that pseudonymises nothing needs no key.
      pseudonymiser: () => (token ??= tokenCache(pseudonymKey(options.env, config.pseudonym_key_env))),
      fail: (problem, column, tail = []) =>
        new TransformConfigError({ ...site, column, path: [...path, ...tail] }, problem),
    };
  };

  let layout: Layout = {
    columns: options.columns.map((spec, slot) => ({ spec, slot })),
    width: options.columns.length,
  };
  const operations: RowOperation[] = [];
  const add = (compiled: CompiledStep) => {
    layout = compiled.layout;
    if (compiled.apply) operations.push(compiled.apply);
  };
  own.steps.forEach((step, i) => {
    const ctx = context(`steps[${i}] (${step.step})`, [...base, 'steps', String(i)]);
    add(stepKind(step).compile(step, layout, ctx));
  });
  if (config.profile === 'deidentified') refuseUnprotected(source, layout, own.pii, options.piiColumns ?? []);
  for (const [column, policy] of Object.entries(own.pii)) {
    const ctx = context(`pii (${describePolicy(policy)})`, [...base, 'pii', column]);
    add(policyKind(policy).compile(columnNamed(layout, column, ctx), layout, ctx));
  }
  return { layout, operations };
}

/**
 * Profile deidentified: every PII column still present after the steps (explicit pii_columns and
 * default-list names) needs a policy, and an explicit one may not be `keep`. A default-list match
 * may be kept explicitly (a polyclinic's `name` is not a person's).
 */
function refuseUnprotected(
  source: string,
  layout: Layout,
  policies: Record<string, PiiPolicy>,
  explicit: readonly string[],
): void {
  const present = layout.columns.map((c) => c.spec.name);
  for (const column of piiColumns(explicit, present)) {
    if (!present.includes(column)) continue;
    const policy = policies[column];
    const listed = explicit.includes(column);
    const site = { source, step: 'pii', column, path: ['transform', 'sources', source, 'pii'] };
    if (policy === undefined) {
      const why = listed ? 'is listed in pii_columns' : 'looks like personal data (default PII name list)';
      throw new TransformConfigError(
        site,
        `profile deidentified: the column ${why} and has no policy: drop, pseudonymise or generalise it${listed ? '' : ', or keep it explicitly if it is not about a person'}`,
      );
    }
    if (policy === 'keep' && listed) {
      throw new TransformConfigError(
        { ...site, path: [...site.path, column] },
        'profile deidentified: a column listed in pii_columns may not be kept',
      );
    }
  }
}

/** A batch must have the columns the transform was compiled for; anything else is a bug upstream. */
function checkColumns(source: string, batch: RowBatch, names: readonly string[]): void {
  const cols = batch.columns;
  if (cols.length !== names.length || cols.some((c, i) => c.name !== names[i])) {
    throw new Error(`transform of source "${source}" was compiled for other columns than this batch has`);
  }
}
