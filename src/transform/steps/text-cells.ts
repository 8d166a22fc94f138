/**
 * Shared by the steps that work on text cells (trim, case, nulls, map, icd10): resolving their
 * columns, and one row operation that calls a function per text cell. The column-type model allows
 * these steps on `string` columns only: a date or a number has one canonical text already.
 */
import type { CellValue, ColumnSpec, Row } from '../../schema/column-types.js';
import { columnOfKind, type Layout, type LiveColumn, type RowOperation, type StepContext } from '../step.js';

/** The named text columns, or every text column when `names` is undefined. */
export function textColumns(
  layout: Layout,
  names: readonly string[] | undefined,
  ctx: StepContext,
): LiveColumn[] {
  if (names === undefined) return layout.columns.filter((c) => c.spec.type.kind === 'string');
  return names.map((name, i) => columnOfKind(layout, name, ['string'], ctx, ['columns', String(i)]));
}

/**
 * Calls `cell(text, i)` for each non-NULL cell of `columns` (i: the column's position in `columns`)
 * and stores its result. One column gets its own loop-free closure: most steps name one.
 */
export function onText(
  columns: readonly LiveColumn[],
  cell: (text: string, i: number) => CellValue,
): RowOperation | undefined {
  if (columns.length === 0) return undefined;
  const slots = columns.map((c) => c.slot);
  if (slots.length === 1) {
    const slot = slots[0]!;
    return (row: Row) => {
      const v = row[slot];
      if (typeof v === 'string') row[slot] = cell(v, 0);
    };
  }
  return (row: Row) => {
    for (let i = 0; i < slots.length; i++) {
      const slot = slots[i]!;
      const v = row[slot];
      if (typeof v === 'string') row[slot] = cell(v, i);
    }
  };
}

/** One counter per column, named `<what>.<column>`. */
export function countersFor(columns: readonly LiveColumn[], what: string, ctx: StepContext): number[] {
  return columns.map((c) => ctx.counter(`${what}.${c.spec.name}`));
}

/** The layout with `columns` marked nullable (a step may now write NULL into them). */
export function nullable(layout: Layout, columns: readonly LiveColumn[]): Layout {
  const changed = new Set(columns);
  const spec = (s: ColumnSpec): ColumnSpec => (s.nullable ? s : { ...s, nullable: true });
  return {
    ...layout,
    columns: layout.columns.map((c) => (changed.has(c) ? { spec: spec(c.spec), slot: c.slot } : c)),
  };
}
