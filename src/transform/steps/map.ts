import type { TransformStepConfig } from '../../config/transform-schema.js';
import { columnOfKind, type StepKind } from '../step.js';
import { nullable, onText } from './text-cells.js';

type MapConfig = Extract<TransformStepConfig, { step: 'map' }>;

/**
 * Code normalisation by lookup ({ Male: M, Female: F }). A value not in the map is counted as
 * `unmatched.<column>` and kept or made NULL (`other`).
 */
export const mapStep: StepKind<MapConfig> = {
  compile(config, layout, ctx) {
    const column = columnOfKind(layout, config.column, ['string'], ctx, ['column']);
    const lookup = new Map(Object.entries(config.values));
    const unmatched = ctx.counter(`unmatched.${config.column}`);
    const counts = ctx.counts;
    const keep = config.other === 'keep';
    const apply = onText([column], (text) => {
      const mapped = lookup.get(text);
      if (mapped !== undefined) return mapped;
      counts[unmatched]!++;
      return keep ? text : null;
    });
    const mayBeNull = !keep || [...lookup.values()].includes(null);
    return { layout: mayBeNull ? nullable(layout, [column]) : layout, apply };
  },
};
