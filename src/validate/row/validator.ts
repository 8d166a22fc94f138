/**
 * The stream engine: checks evaluated row by row over RowBatches — types (see type-schema.ts),
 * patterns and date rules on text columns. It holds only counters and at most `sampleRows` failing
 * rows per check, so memory does not grow with the data. The same object is fed either by
 * `moh-etl validate` streaming the source itself, or by the extract pipeline in the same pass as the
 * writers (pipeline/validate-step.ts).
 */
import { parseDuration } from '../../config/duration.js';
import { todayIn } from '../../extract/date-range.js';
import type { CellValue, ColumnSpec, RowBatch } from '../../schema/column-types.js';
import type { CheckPlan } from '../compile.js';
import { parseableDate } from '../dates.js';
import type { SampleRow } from '../result.js';
import { valueCheck } from './type-schema.js';

export interface StreamTally {
  failed: number;
  nulls: number;
  samples: SampleRow[];
}

export interface RowValidatorOptions {
  sampleRows: number;
  /** Masks a sample row's PII before it is kept. */
  mask: (row: SampleRow) => SampleRow;
  now: Date;
  timeZone: string;
  /** Force zod for own-type checks too (the benchmark compares both). */
  zodAlways?: boolean;
}

/** Fails a row: returns true when the row fails. `nulls` counts rows whose checked column is NULL. */
interface RowRule {
  id: string;
  test(row: readonly CellValue[]): boolean;
  nullAt?: number;
}

export class RowValidator {
  rows = 0;
  readonly #rules: RowRule[];
  readonly #tallies = new Map<string, StreamTally>();

  constructor(
    plans: readonly CheckPlan[],
    private readonly columns: readonly ColumnSpec[],
    private readonly options: RowValidatorOptions,
  ) {
    this.#rules = plans.filter((p) => p.engine === 'stream' && !p.problem).map((p) => this.#compile(p));
    for (const r of this.#rules) this.#tallies.set(r.id, { failed: 0, nulls: 0, samples: [] });
  }

  get hasRules(): boolean {
    return this.#rules.length > 0;
  }

  observe(batch: RowBatch): void {
    this.rows += batch.rows.length;
    for (const rule of this.#rules) {
      const tally = this.#tallies.get(rule.id)!;
      const at = rule.nullAt;
      for (const row of batch.rows) {
        if (at !== undefined && row[at] == null) tally.nulls++;
        if (rule.test(row)) {
          tally.failed++;
          if (tally.samples.length < this.options.sampleRows)
            tally.samples.push(this.options.mask(this.#asObject(row)));
        }
      }
    }
  }

  tally(id: string): StreamTally | undefined {
    return this.#tallies.get(id);
  }

  #asObject(row: readonly CellValue[]): SampleRow {
    const out: SampleRow = {};
    this.columns.forEach((c, i) => (out[c.name] = row[i] ?? null));
    return out;
  }

  #index(name: string): number {
    return this.columns.findIndex((c) => c.name === name);
  }

  #compile(p: CheckPlan): RowRule {
    const c = p.config;
    const failNull = p.nulls === 'fail';
    if (c.check === 'type') {
      const expected = c.columns ?? Object.fromEntries(this.columns.map((col) => [col.name, col.type.kind]));
      const checks = Object.entries(expected).map(([name, kind]) => {
        const i = this.#index(name);
        return {
          i,
          ok: valueCheck(kind, this.columns[i]!.type.kind, this.options.zodAlways),
        };
      });
      const indexes = checks.map((k) => k.i);
      const oks = checks.map((k) => k.ok);
      return {
        id: p.id,
        test: (row) => {
          for (let k = 0; k < indexes.length; k++) {
            const value = row[indexes[k]!];
            if (value !== null && !oks[k]!(value)) return true;
          }
          return false;
        },
      };
    }
    const i = this.#index(p.columns[0]!);
    const valueFails = this.#valueRule(p);
    return {
      id: p.id,
      nullAt: i,
      test: (row) => (row[i] == null ? failNull : valueFails(row[i], row)),
    };
  }

  #valueRule(p: CheckPlan): (v: CellValue, row: readonly CellValue[]) => boolean {
    const c = p.config;
    if (c.check === 'pattern') {
      const re = new RegExp(c.regex);
      return (v) => !re.test(String(v));
    }
    if (c.check === 'dates') {
      // A date held as text: it must parse, then compare by calendar day in the configured zone.
      const tolerance = c.not_future === undefined ? undefined : (parseDuration(c.not_future) ?? 0);
      const latest =
        tolerance === undefined
          ? undefined
          : todayIn(this.options.timeZone, new Date(this.options.now.getTime() + tolerance));
      const other = c.not_before === undefined ? -1 : this.#index(c.not_before);
      return (v, row) => {
        const s = String(v);
        if (!parseableDate(s)) return true;
        const day = s.slice(0, 10);
        if (latest !== undefined && day > latest) return true;
        if (c.min !== undefined && day < c.min) return true;
        if (c.max !== undefined && day > c.max) return true;
        const o = other >= 0 ? row[other] : null;
        return o !== null && o !== undefined && s.replace(' ', 'T') < String(o).replace(' ', 'T');
      };
    }
    return () => false;
  }
}
