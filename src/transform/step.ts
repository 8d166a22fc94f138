/**
 * What a step kind is: a compiler from its config and the columns it sees to a row operation.
 *
 * Rows move through the steps as one "working row" per input row: the input's cells in their
 * slots, then one slot per derived column. A step reads and writes slots in place; the layout
 * (which column lives in which slot, with which type) changes only at compile time. Dropped columns
 * leave their slot behind and disappear when the working row is projected to the output. So a row
 * costs one array (two when a column is dropped), whatever the number of steps.
 */
import type { ColumnSpec, ColumnType, Row } from '../schema/column-types.js';
import { describeType } from '../schema/column-types.js';
import { TransformConfigError, type TransformSite } from './errors.js';
import type { Pseudonymiser } from './pseudonym-key.js';

/** A column alive at some point of the transform, and the working-row slot holding its value. */
export interface LiveColumn {
  spec: ColumnSpec;
  slot: number;
}

/** The columns at some point of the transform; `width` is the number of slots allocated so far. */
export interface Layout {
  readonly columns: readonly LiveColumn[];
  readonly width: number;
}

/** Changes one working row in place. */
export type RowOperation = (row: Row) => void;

/** A compiled step: the columns after it, and its operation (none for a pure layout change). */
export interface CompiledStep {
  layout: Layout;
  apply?: RowOperation;
}

/** What a step may use while compiling. */
export interface StepContext {
  readonly site: TransformSite;
  /** Time zone for the calendar date of UTC timestamps. */
  readonly timeZone: string;
  /** Counter index for `name` (declared once, reported even when zero); increment `counts[index]`. */
  counter(name: string): number;
  /** The per-run counts the indexes point into. */
  readonly counts: number[];
  /** The keyed token function; reading it checks the key (throws PseudonymKeyError). */
  pseudonymiser(): Pseudonymiser;
  /** A TransformConfigError at this step, optionally naming a column. */
  fail(problem: string, column?: string, pathTail?: string[]): TransformConfigError;
}

/** A step kind: compiles one configured step against the columns it will see. */
export interface StepKind<Config> {
  compile(config: Config, layout: Layout, ctx: StepContext): CompiledStep;
}

/** The live column called `name`, or a TransformConfigError listing the columns there are. */
export function columnNamed(
  layout: Layout,
  name: string,
  ctx: StepContext,
  pathTail: string[] = [],
): LiveColumn {
  const found = layout.columns.find((c) => c.spec.name === name);
  if (found) return found;
  const names = layout.columns.map((c) => c.spec.name).join(', ');
  throw ctx.fail(`no such column here (columns: ${names})`, name, pathTail);
}

/** Like {@link columnNamed}, and the column must be of one of `kinds`. */
export function columnOfKind(
  layout: Layout,
  name: string,
  kinds: readonly ColumnType['kind'][],
  ctx: StepContext,
  pathTail: string[] = [],
): LiveColumn {
  const column = columnNamed(layout, name, ctx, pathTail);
  if (!kinds.includes(column.spec.type.kind)) {
    throw ctx.fail(
      `expected a ${kinds.join(' or ')} column, found ${describeType(column.spec.type)}`,
      name,
      pathTail,
    );
  }
  return column;
}

/** The layout with `column` replaced (same slot) by `spec`. */
export function replaced(layout: Layout, column: LiveColumn, spec: ColumnSpec): Layout {
  return { ...layout, columns: layout.columns.map((c) => (c === column ? { spec, slot: c.slot } : c)) };
}

/** The layout with a new column in a new slot at the end. */
export function appended(layout: Layout, spec: ColumnSpec): { layout: Layout; slot: number } {
  const slot = layout.width;
  return { layout: { columns: [...layout.columns, { spec, slot }], width: slot + 1 }, slot };
}

/** The layout without `column` (its slot stays allocated and is projected away). */
export function without(layout: Layout, column: LiveColumn): Layout {
  return { ...layout, columns: layout.columns.filter((c) => c !== column) };
}
