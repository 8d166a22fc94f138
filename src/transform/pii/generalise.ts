/**
 * `generalise`: keep a coarser value. Dates (or timestamps, by their calendar date) become a year
 * (int32), a five-year band ("1985-1989": bands start at years divisible by 5) or a month
 * ("2025-01"); a Singapore postal code becomes its two-digit sector. A value that cannot be read
 * becomes NULL and is counted as `unrecognised.<column>`: a generalised column must never pass
 * through a value it could not coarsen.
 */
import type { Generalisation } from '../../config/transform-schema.js';
import type { CellValue, ColumnType, Row } from '../../schema/column-types.js';
import { ymdMonth, ymdYear } from '../calendar.js';
import { dateReader } from '../calendar-date.js';
import { columnOfKind, replaced, type LiveColumn, type StepContext } from '../step.js';
import type { PolicyKind } from './policy.js';

/** Builds the coarsening function for one column (undefined result: unrecognised). */
type Coarsen = (column: LiveColumn, ctx: StepContext) => (value: CellValue) => CellValue | undefined;

function generalisation(
  kinds: readonly ColumnType['kind'][],
  type: ColumnType,
  coarsen: Coarsen,
): PolicyKind {
  return {
    compile(column, layout, ctx) {
      columnOfKind(layout, column.spec.name, kinds, ctx);
      const f = coarsen(column, ctx);
      const slot = column.slot;
      const unrecognised = ctx.counter(`unrecognised.${column.spec.name}`);
      const counts = ctx.counts;
      const apply = (row: Row): void => {
        const v = row[slot]!;
        if (v === null) return;
        const out = f(v);
        if (out === undefined) counts[unrecognised]!++;
        row[slot] = out ?? null;
      };
      return { layout: replaced(layout, column, { ...column.spec, type, nullable: true }), apply };
    },
  };
}

/** A coarsening of the value's calendar date, given as `yyyymmdd`. */
const byDate =
  (f: (ymd: number) => CellValue): Coarsen =>
  (column, ctx) => {
    const date = dateReader(column.spec.type, ctx.timeZone)!;
    return (value) => {
      const ymd = date(value);
      return Number.isNaN(ymd) ? undefined : f(ymd);
    };
  };

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

const year = byDate((ymd) => ymdYear(ymd));
const band = byDate((ymd) => {
  const start = ymdYear(ymd) - (ymdYear(ymd) % 5);
  return `${pad(start, 4)}-${pad(start + 4, 4)}`;
});
const month = byDate((ymd) => `${pad(ymdYear(ymd), 4)}-${pad(ymdMonth(ymd), 2)}`);

/** Singapore postal codes are six digits; the first two are the postal sector, 01 to 82. */
const POSTAL_CODE = /^\d{6}$/;
const MAX_SECTOR = 82;

const sector: Coarsen = () => (value) => {
  if (typeof value !== 'string') return undefined;
  const code = value.trim();
  if (!POSTAL_CODE.test(code)) return undefined;
  const s = code.slice(0, 2);
  const n = Number(s);
  return n >= 1 && n <= MAX_SECTOR ? s : undefined;
};

const DATES = ['date', 'timestamp'] as const;

export const GENERALISE: Record<Generalisation, PolicyKind> = {
  year: generalisation(DATES, { kind: 'int32' }, year),
  '5y_band': generalisation(DATES, { kind: 'string' }, band),
  month: generalisation(DATES, { kind: 'string' }, month),
  sector: generalisation(['string'], { kind: 'string' }, sector),
};
