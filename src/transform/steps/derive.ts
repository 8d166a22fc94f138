/**
 * Derived columns. Each kind declares its output type (never guessed from values) and is built from
 * date or timestamp columns read as calendar days (../calendar-date.ts). The new column goes at the
 * end and is nullable: NULL in, NULL out; an input that is not a real date, or an age before
 * birth, gives NULL and is counted as `unrecognised.<name>`.
 */
import type { DeriveStepConfig } from '../../config/transform-schema.js';
import type { CellValue, ColumnSpec, Row } from '../../schema/column-types.js';
import { completedYears } from '../age.js';
import { daysOfYmd } from '../calendar.js';
import { dateReader, type DateReader } from '../calendar-date.js';
import { epiWeekOf } from '../epi-week.js';
import { appended, columnOfKind, type Layout, type StepContext, type StepKind } from '../step.js';

const DATE_KINDS = ['date', 'timestamp'] as const;

/** A date input of a derived column: its slot and how to read its calendar date. */
interface DateInput {
  slot: number;
  date: DateReader;
}

function dateInput(layout: Layout, name: string, key: string, ctx: StepContext): DateInput {
  const column = columnOfKind(layout, name, DATE_KINDS, ctx, [key]);
  return { slot: column.slot, date: dateReader(column.spec.type, ctx.timeZone)! };
}

/** One derived kind: its declared type, and its value from the working row (undefined: unrecognised). */
interface DerivedKind<C> {
  type: ColumnSpec['type'];
  compute(config: C, layout: Layout, ctx: StepContext): (row: Row) => CellValue | undefined;
}

type Config<K extends DeriveStepConfig['kind']> = Extract<DeriveStepConfig, { kind: K }>;

const age: DerivedKind<Config<'age'>> = {
  type: { kind: 'int32' },
  compute(config, layout, ctx) {
    const from = dateInput(layout, config.from, 'from', ctx);
    const at = dateInput(layout, config.at, 'at', ctx);
    return (row) => {
      const a = row[from.slot]!;
      const b = row[at.slot]!;
      if (a === null || b === null) return null;
      const birth = from.date(a);
      const date = at.date(b);
      if (Number.isNaN(birth) || Number.isNaN(date)) return undefined;
      const years = completedYears(birth, date);
      return years >= 0 ? years : undefined;
    };
  },
};

const epiWeek: DerivedKind<Config<'epi_week'>> = {
  type: { kind: 'string' },
  compute(config, layout, ctx) {
    const from = dateInput(layout, config.from, 'from', ctx);
    const week = epiWeekOf(config.system);
    return (row) => {
      const v = row[from.slot]!;
      if (v === null) return null;
      const date = from.date(v);
      return Number.isNaN(date) ? undefined : week(daysOfYmd(date));
    };
  },
};

const KINDS: { [K in DeriveStepConfig['kind']]: DerivedKind<Config<K>> } = { age, epi_week: epiWeek };

export const deriveStep: StepKind<DeriveStepConfig> = {
  compile(config, layout, ctx) {
    if (layout.columns.some((c) => c.spec.name === config.name)) {
      throw ctx.fail('a column of this name exists already: choose another name', config.name, ['name']);
    }
    const kind = KINDS[config.kind] as DerivedKind<DeriveStepConfig>;
    const compute = kind.compute(config, layout, ctx);
    const next = appended(layout, { name: config.name, type: kind.type, nullable: true });
    const slot = next.slot;
    const unrecognised = ctx.counter(`unrecognised.${config.name}`);
    const counts = ctx.counts;
    return {
      layout: next.layout,
      apply: (row) => {
        const value = compute(row);
        if (value === undefined) counts[unrecognised]!++;
        row[slot] = value ?? null;
      },
    };
  },
};
