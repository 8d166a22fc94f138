/**
 * PII policies: what happens to a personal-data column after the cleaning steps. Each policy is a
 * kind in a registry, compiled against the one column it applies to, like a step.
 */
import type { Generalisation, PiiPolicy } from '../../config/transform-schema.js';
import type { CompiledStep, Layout, LiveColumn, StepContext } from '../step.js';
import { without } from '../step.js';
import { GENERALISE } from './generalise.js';
import { pseudonymise } from './pseudonymise.js';

/** One policy: compiles against its column. */
export interface PolicyKind {
  compile(column: LiveColumn, layout: Layout, ctx: StepContext): CompiledStep;
}

/** The column is removed from the output (it can still feed a derived column before that). */
const drop: PolicyKind = { compile: (column, layout) => ({ layout: without(layout, column) }) };

/** The column passes unchanged; an explicit decision, which the deidentified profile restricts. */
const keep: PolicyKind = { compile: (_column, layout) => ({ layout }) };

const POLICIES: Record<Exclude<PiiPolicy, object>, PolicyKind> = { drop, keep, pseudonymise };

/** The kind of a configured policy. */
export function policyKind(policy: PiiPolicy): PolicyKind {
  return typeof policy === 'string' ? POLICIES[policy] : GENERALISE[policy.generalise];
}

/** The policy as written in messages: "drop", "generalise: year". */
export function describePolicy(policy: PiiPolicy): string {
  return typeof policy === 'string' ? policy : `generalise: ${policy.generalise satisfies Generalisation}`;
}
