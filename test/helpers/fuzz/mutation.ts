/** What every mutator returns, and the shape of a mutator. */
import type { Rng } from '../../../src/synth/prng.js';
import type { Workspace } from './workspace.js';

/**
 * `reject`: the case must exit 2 (a usage or configuration error). `any`: the mutation may be
 * harmless, so exit 0 or 1 is allowed too (counted; most cases must still be rejected).
 */
export type Expectation = 'reject' | 'any';

export interface Applied {
  /** What was done, precise enough to redo by hand. */
  label: string;
  expect: Expectation;
  /** The exact command line, when the mutation is about the command line. */
  args?: string[];
  /** The mutation is only detectable by `check` against the demo database (template probe). */
  probe?: boolean;
}

export type Mutator = (ws: Workspace, rng: Rng) => Applied;

/** JSON-ish text of a value for a label, cut short (a 70,000-character string stays readable). */
export function shown(value: unknown): string {
  let text: string;
  if (typeof value === 'number' && !Number.isFinite(value)) text = String(value);
  else if (value === undefined) text = 'undefined';
  else text = JSON.stringify(value) ?? typeof value;
  return text.length > 80 ? `${text.slice(0, 60)}…(${text.length} chars)` : text;
}
