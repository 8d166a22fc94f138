import type { TransformStepConfig } from '../../config/transform-schema.js';
import type { StepKind } from '../step.js';
import { onText, textColumns } from './text-cells.js';

type CaseConfig = Extract<TransformStepConfig, { step: 'case' }>;

/**
 * Upper or lower case, locale-independent (a Turkish-locale host must not turn "i" into "İ"). Full
 * Unicode case mapping, so a value can change length ("straße" → "STRASSE").
 */
export const caseStep: StepKind<CaseConfig> = {
  compile(config, layout, ctx) {
    const columns = textColumns(layout, config.columns, ctx);
    const cell = config.to === 'upper' ? (t: string) => t.toUpperCase() : (t: string) => t.toLowerCase();
    return { layout, apply: onText(columns, cell) };
  },
};
