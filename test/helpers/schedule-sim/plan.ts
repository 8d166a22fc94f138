/**
 * The simulation's plan: which of its days get a transient fault (the extractor's session killed
 * mid-run) and which one the permanent fault (the role's password changed for a day), drawn from
 * a seed so that a failing run can be replayed exactly. Faults land on busy days only (enough
 * attendances for several parts), so that a kill after the first committed part always has a
 * statement left to hit, and the day after the permanent fault is left clean: it is the recovery.
 */
import { Rng } from '../../../src/synth/prng.js';

export interface SimPlan {
  seed: number;
  /** Simulated days, 1-based; day d's run extracts the demo day added just before it. */
  days: number;
  /** Days whose run has its session killed once, after its first committed part. */
  transient: number[];
  /** The day the role's password is wrong; the next day it is restored. */
  permanent: number;
}

export interface PlanOptions {
  seed: number;
  days: number;
  /** How many transient days (default 3). */
  transientDays?: number;
  /** Whether day d has data enough for a fault to land mid-run. */
  busy: (day: number) => boolean;
}

/**
 * A plan: the permanent fault on a busy day with at least two days before it and two after it
 * (its recovery, then an ordinary day), and the transient faults on other busy days, never on the
 * recovery day, so each day's expected outcome has one cause.
 */
export function simPlan(options: PlanOptions): SimPlan {
  const { seed, days, busy } = options;
  const rng = new Rng(seed);
  const all = Array.from({ length: days }, (_, i) => i + 1);
  const permanentCandidates = all.filter((d) => d >= 3 && d <= days - 2 && busy(d));
  if (permanentCandidates.length === 0)
    throw new Error(`no busy day for the permanent fault in ${days} days`);
  const permanent = rng.pick(permanentCandidates);
  const free = all.filter((d) => busy(d) && d !== permanent && d !== permanent + 1);
  const transient: number[] = [];
  for (let i = 0; i < (options.transientDays ?? 3) && free.length > 0; i++)
    transient.push(free.splice(rng.int(0, free.length - 1), 1)[0]!);
  return { seed, days, transient: transient.sort((a, b) => a - b), permanent };
}

/** What the plan expects of day d's scheduled run. */
export type DayKind = 'ordinary' | 'transient' | 'permanent' | 'recovery';

export function dayKind(plan: SimPlan, day: number): DayKind {
  if (day === plan.permanent) return 'permanent';
  if (day === plan.permanent + 1) return 'recovery';
  return plan.transient.includes(day) ? 'transient' : 'ordinary';
}

/** The plan in one line, for the test log. */
export function describePlan(plan: SimPlan): string {
  return (
    `seed ${plan.seed} (rerun with MOH_SIM_SEED=${plan.seed}): ${plan.days} days; ` +
    `session killed mid-run on day${plan.transient.length === 1 ? '' : 's'} ${plan.transient.join(', ')}; ` +
    `wrong password on day ${plan.permanent}, restored on day ${plan.permanent + 1}`
  );
}
