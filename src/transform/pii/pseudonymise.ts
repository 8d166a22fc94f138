/**
 * `pseudonymise`: the value's canonical text becomes its 64-hex-character HMAC token. The text is
 * the value exactly as the column-type model holds it (an int64 patient_id "1234" and a text "1234"
 * give the same token, so a join across sources that type the id differently still works); clean
 * it first (trim, case) if sources spell the same identity differently. NULL stays NULL.
 */
import type { CellValue, Row } from '../../schema/column-types.js';
import { describeType } from '../../schema/column-types.js';
import { replaced } from '../step.js';
import type { PolicyKind } from './policy.js';

/** Kinds whose canonical value is text or an exact integer; a boolean has two tokens (no privacy). */
const TEXT_KINDS = new Set(['string', 'int32', 'int64', 'decimal', 'date', 'timestamp', 'json']);

export const pseudonymise: PolicyKind = {
  compile(column, layout, ctx) {
    if (!TEXT_KINDS.has(column.spec.type.kind)) {
      throw ctx.fail(
        `pseudonymise needs a text, integer, decimal, date or timestamp column, found ${describeType(column.spec.type)}: drop it instead`,
        column.spec.name,
      );
    }
    const token = ctx.pseudonymiser();
    const slot = column.slot;
    const apply = (row: Row): void => {
      const v: CellValue = row[slot]!;
      if (typeof v === 'string') row[slot] = token(v);
      else if (typeof v === 'number') row[slot] = token(String(v));
    };
    return { layout: replaced(layout, column, { ...column.spec, type: { kind: 'string' } }), apply };
  },
};
