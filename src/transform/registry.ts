/**
 * The step kinds by their `step:` name, like the writers' registry: adding a kind is one file and one
 * line here; the compiler never asks which kind it has.
 */
import type { TransformStepConfig } from '../config/transform-schema.js';
import { UsageError } from '../errors.js';
import type { StepKind } from './step.js';
import { caseStep } from './steps/case.js';
import { deriveStep } from './steps/derive.js';
import { icd10Step } from './steps/icd10.js';
import { mapStep } from './steps/map.js';
import { nullsStep } from './steps/nulls.js';
import { trimStep } from './steps/trim.js';

type StepName = TransformStepConfig['step'];
type KindOf<K extends StepName> = StepKind<Extract<TransformStepConfig, { step: K }>>;

const STEPS: { [K in StepName]: KindOf<K> } = {
  trim: trimStep,
  nulls: nullsStep,
  case: caseStep,
  map: mapStep,
  icd10: icd10Step,
  derive: deriveStep,
};

/** The names of the step kinds this build knows. */
export function availableSteps(): StepName[] {
  return Object.keys(STEPS) as StepName[];
}

/** The kind of a configured step; the error (for library callers that skip the schema) lists the kinds. */
export function stepKind<C extends TransformStepConfig>(config: C): StepKind<C> {
  const kind = (STEPS as Record<string, StepKind<C> | undefined>)[config.step];
  if (!kind) {
    throw new UsageError(`unknown transform step "${String(config.step)}"`, {
      hint: `use one of: ${availableSteps().join(', ')}`,
    });
  }
  return kind;
}
