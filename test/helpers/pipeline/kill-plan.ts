/**
 * Where a kill -9 is aimed in a pipeline run, chosen by a seeded random source: a source, then one
 * of four moments of its transform and load, each with a delay drawn within what that phase took
 * in a clean run (so the kill lands inside it, not after the process is gone):
 * - `staging`: while the extraction pass transforms rows and writes staged files;
 * - `staged`: after a staged part is committed under the staging directory;
 * - `load`: while the load phase runs (DuckDB writing the new version, the switch, retention);
 * - `work`: once the load's `.work-<version>` directory exists.
 */
import type { CliRun, KillAt } from './cli-run.js';
import { pick } from './prng.js';

/** Milliseconds each source's extract (with staging) and load phases took in a clean run. */
export type PhaseTimes = Record<string, { extract: number; load: number }>;

export const KILL_MOMENTS = ['staging', 'staged', 'load', 'work'] as const;
export type KillMoment = (typeof KILL_MOMENTS)[number];

export interface KillPlan {
  source: string;
  moment: KillMoment;
  at: KillAt;
}

export function planKill(random: () => number, sources: readonly string[], times: PhaseTimes): KillPlan {
  const source = pick(random, sources);
  const moment = pick(random, KILL_MOMENTS);
  const t = times[source] ?? { extract: 50, load: 50 };
  // Within 90% of the phase's clean duration: later risks the process having finished already.
  const within = (ms: number) => Math.floor(random() * Math.max(1, ms) * 0.9);
  const at: Record<KillMoment, () => KillAt> = {
    staging: () => ({ on: 'phase', source, phase: 'extract', delayMs: within(t.extract) }),
    staged: () => ({ on: 'file', dir: `data/interim/${source}`, prefix: 'part-', delayMs: within(t.load) }),
    load: () => ({ on: 'phase', source, phase: 'load', delayMs: within(t.load) }),
    work: () => ({
      on: 'file',
      dir: `data/archive/${source}`,
      prefix: '.work-',
      delayMs: within(t.load / 2),
    }),
  };
  return { source, moment, at: at[moment]() };
}

/** Each source's extract and load durations in a finished run, from its `--json` events. */
export function phaseTimes(run: CliRun): PhaseTimes {
  const out: PhaseTimes = {};
  for (const e of run.events) {
    if (e.type !== 'phase-finished' || (e.phase !== 'extract' && e.phase !== 'load')) continue;
    out[e.source] ??= { extract: 0, load: 0 };
    out[e.source]![e.phase] = e.record.duration_ms;
  }
  return out;
}
