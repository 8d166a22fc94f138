/**
 * Row checks in the extract pass: `run` hands every batch it writes to a RowValidator per source,
 * so the validate step does not read the range a second time for types, patterns and date rules.
 *
 * Counts must stay exact, so a validator counts only if it saw every written row exactly once:
 * - a retried attempt resumes from the last checkpoint and re-reads the rows of the part that was
 *   not committed, so each attempt starts a new validator and only the last attempt's is kept (all
 *   of the last attempt's batches went into committed parts, since it succeeded);
 * - a run resumed after a crash wrote its earlier parts in another process, so the validate step
 *   compares the validator's rows with the rows written and re-reads the range when they differ
 *   (validate/source.ts).
 */
import type { LoadedConfig } from '../config/load.js';
import type { RowBatch } from '../schema/column-types.js';
import { sourceRowValidator } from '../validate/row/for-source.js';
import type { RowValidator } from '../validate/row/validator.js';

export class ExtractPassChecks {
  readonly #latest = new Map<string, RowValidator | undefined>();

  constructor(
    private readonly loaded: LoadedConfig,
    /** "Now" for date checks: the same instant the validate step is given. */
    readonly now: Date,
  ) {}

  /** For ExtractOptions.batchObserver: a fresh validator per attempt, built on its first batch. */
  readonly observer = (source: string): ((batch: RowBatch) => void) | undefined => {
    if ((this.loaded.config.validation.sources[source] ?? []).length === 0) return undefined;
    this.#latest.set(source, undefined);
    let validator: RowValidator | undefined;
    return (batch) => {
      if (!validator) {
        validator = sourceRowValidator(this.loaded, source, batch.columns, this.now);
        this.#latest.set(source, validator);
      }
      if (validator.hasRules) validator.observe(batch);
    };
  };

  /** The last attempt's validator per source (undefined: it saw no rows, or has no row checks). */
  validators(): Record<string, RowValidator | undefined> {
    return Object.fromEntries([...this.#latest].map(([s, v]) => [s, v?.hasRules ? v : undefined] as const));
  }
}
