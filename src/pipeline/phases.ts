/**
 * Which phases a run runs. The pipeline is extract → validate → transform → load; a run may stop
 * after any phase (`--phases extract,validate`), and may skip validation (`--skip validate`), but
 * cannot load what it did not transform: the transform is where the PII policy is applied, so the
 * processed dataset never holds untransformed rows.
 */
import { UsageError } from '../errors.js';
import { PHASES, type Phase, type PhaseRecord } from './summary.js';

export function isPhase(name: string): name is Phase {
  return (PHASES as readonly string[]).includes(name);
}

/**
 * The phases to run, from `--phases` (the ones to run) or `--skip` (the ones not to). Default: all.
 * Refused: an unknown name, no extract, load without transform.
 */
export function selectPhases(only?: readonly string[], skip?: readonly string[]): Phase[] {
  if (only && skip) throw new UsageError('use --phases or --skip, not both');
  const names = (list: readonly string[], flag: string): Phase[] => {
    const parsed = list
      .flatMap((s) => s.split(','))
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean);
    const bad = parsed.filter((p) => !isPhase(p));
    if (bad.length || parsed.length === 0)
      throw new UsageError(
        `${flag} "${list.join(',')}" ${bad.length ? `names no phase (${bad.join(', ')})` : 'is empty'} (phases: ${PHASES.join(', ')})`,
      );
    return parsed as Phase[];
  };
  const chosen = only
    ? names(only, '--phases')
    : skip
      ? PHASES.filter((p) => !names(skip, '--skip').includes(p))
      : [...PHASES];
  const set = new Set(chosen);
  if (!set.has('extract')) throw new UsageError('every run extracts: extract cannot be skipped');
  if (set.has('load') && !set.has('transform'))
    throw new UsageError(
      'load needs transform: the transform applies the PII policy, and the processed dataset only holds transformed rows',
    );
  return PHASES.filter((p) => set.has(p));
}

/** A phase's record, timed from its start. */
export class PhaseClock {
  readonly #t0 = performance.now();

  get elapsedMs(): number {
    return performance.now() - this.#t0;
  }

  done(fields: Omit<PhaseRecord, 'duration_ms'>, ms?: number): PhaseRecord {
    return { ...fields, duration_ms: Math.round(ms ?? performance.now() - this.#t0) };
  }
}

/** The record of a phase that did not run, and why. */
export function skipped(note: string): PhaseRecord {
  return { status: 'skipped', rows_in: 0, rows_out: 0, duration_ms: 0, note };
}
