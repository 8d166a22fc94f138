/**
 * Running compiled row operations over a batch. Each input row is copied once into a working row
 * (input cells, then derived slots), every operation changes it in place, and the output row is
 * either that working row (nothing dropped) or a projection of a reused scratch row (something
 * dropped). The input rows are never written: other consumers of the batch may still hold them.
 */
import type { Row } from '../schema/column-types.js';
import type { Layout, RowOperation } from './step.js';

/** Turns input rows into output rows; allocates the output rows and their array only. */
export type RowsTransform = (rows: readonly Row[]) => Row[];

export function rowsTransform(inputWidth: number, layout: Layout, operations: RowOperation[]): RowsTransform {
  const slots = layout.columns.map((c) => c.slot);
  const identityProjection = slots.length === layout.width && slots.every((slot, i) => slot === i);
  const run = sequence(operations);
  if (identityProjection)
    return (rows) => rows.map((input) => withDerivedSlots(input, inputWidth, layout.width, run));
  return projected(inputWidth, layout.width, Int32Array.from(slots), run);
}

/** All operations as one, without a loop when there are few (the usual case). */
function sequence(operations: RowOperation[]): RowOperation {
  const [a, b, c] = operations;
  switch (operations.length) {
    case 0:
      return () => {};
    case 1:
      return a!;
    case 2:
      return (row) => {
        a!(row);
        b!(row);
      };
    case 3:
      return (row) => {
        a!(row);
        b!(row);
        c!(row);
      };
    default:
      return (row) => {
        for (let i = 0; i < operations.length; i++) operations[i]!(row);
      };
  }
}

function withDerivedSlots(input: Row, inputWidth: number, width: number, run: RowOperation): Row {
  const row = input.slice();
  for (let slot = inputWidth; slot < width; slot++) row.push(null);
  run(row);
  return row;
}

function projected(inputWidth: number, width: number, slots: Int32Array, run: RowOperation): RowsTransform {
  const scratch: Row = new Array<null>(width).fill(null);
  return (rows) => {
    const out = new Array<Row>(rows.length);
    for (let r = 0; r < rows.length; r++) {
      const input = rows[r]!;
      for (let c = 0; c < inputWidth; c++) scratch[c] = input[c]!;
      for (let c = inputWidth; c < width; c++) scratch[c] = null;
      run(scratch);
      const row: Row = new Array<null>(slots.length);
      for (let j = 0; j < slots.length; j++) row[j] = scratch[slots[j]!]!;
      out[r] = row;
    }
    // The scratch row must not keep the batch's last values reachable after the batch.
    scratch.fill(null);
    return out;
  };
}
