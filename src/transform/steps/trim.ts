import type { TransformStepConfig } from '../../config/transform-schema.js';
import type { StepKind } from '../step.js';
import { onText, textColumns } from './text-cells.js';

type TrimConfig = Extract<TransformStepConfig, { step: 'trim' }>;

/**
 * White space off both ends (String.prototype.trim: Unicode spaces, tabs, line breaks, no-break
 * space and the byte-order mark; not zero-width characters, which are not white space). An
 * all-space value becomes "" (a `nulls` step after it turns that into NULL).
 */
export const trimStep: StepKind<TrimConfig> = {
  compile(config, layout, ctx) {
    return { layout, apply: onText(textColumns(layout, config.columns, ctx), (text) => text.trim()) };
  },
};
