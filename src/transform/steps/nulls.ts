import type { TransformStepConfig } from '../../config/transform-schema.js';
import type { StepKind } from '../step.js';
import { countersFor, nullable, onText, textColumns } from './text-cells.js';

type NullsConfig = Extract<TransformStepConfig, { step: 'nulls' }>;

/**
 * Values that stand for "no value" ("", "N/A", "-") become NULL, counted per column as
 * `nulled.<column>`. Matching is exact (after any earlier trim step), or case-insensitive by
 * default; a value longer than every configured one skips the case folding.
 */
export const nullsStep: StepKind<NullsConfig> = {
  compile(config, layout, ctx) {
    const columns = textColumns(layout, config.columns, ctx);
    const fold = config.ignore_case;
    const values = new Set(fold ? config.values.map((v) => v.toUpperCase()) : config.values);
    const longest = Math.max(...config.values.map((v) => v.length));
    const counters = countersFor(columns, 'nulled', ctx);
    const counts = ctx.counts;
    const apply = onText(columns, (text, i) => {
      if (text.length > longest || !values.has(fold ? text.toUpperCase() : text)) return text;
      counts[counters[i]!]!++;
      return null;
    });
    return { layout: nullable(layout, columns), apply };
  },
};
