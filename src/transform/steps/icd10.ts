import type { TransformStepConfig } from '../../config/transform-schema.js';
import { icd10Normaliser } from '../icd10.js';
import type { StepKind } from '../step.js';
import { countersFor, nullable, onText, textColumns } from './text-cells.js';

type Icd10Config = Extract<TransformStepConfig, { step: 'icd10' }>;

/**
 * ICD-10 codes to one spelling (see ../icd10.ts). Text that is not a code is counted as
 * `unrecognised.<column>` and kept unchanged or made NULL (`other`).
 */
export const icd10Step: StepKind<Icd10Config> = {
  compile(config, layout, ctx) {
    const columns = textColumns(layout, config.columns, ctx);
    const normalise = icd10Normaliser(config.style);
    const counters = countersFor(columns, 'unrecognised', ctx);
    const counts = ctx.counts;
    const keep = config.other === 'keep';
    const apply = onText(columns, (text, i) => {
      const code = normalise(text);
      if (code !== undefined) return code;
      counts[counters[i]!]!++;
      return keep ? text : null;
    });
    return { layout: keep ? layout : nullable(layout, columns), apply };
  },
};
