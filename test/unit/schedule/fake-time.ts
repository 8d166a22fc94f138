/** A clock the test moves, and a sleep that moves it instead of waiting. */
import { setImmediate as tick } from 'node:timers/promises';
import type { Clock, Sleep } from '../../../src/schedule/clock.js';

export class FakeClock implements Clock {
  #ms: number;
  constructor(start: string | Date) {
    this.#ms = new Date(start).getTime();
  }
  now(): Date {
    return new Date(this.#ms);
  }
  advance(ms: number): void {
    this.#ms += ms;
  }
}

/**
 * A Sleep that advances `clock` by the requested time after letting pending work (job runners
 * resolving, ledger writes) run, and calls `after` with the new time (to stop the loop, or to
 * change the world between wake-ups). Records each requested duration.
 */
export function fakeSleep(
  clock: FakeClock,
  after: (now: Date) => void = () => {},
): Sleep & { calls: number[] } {
  const calls: number[] = [];
  const sleep = async (ms: number, signal?: AbortSignal) => {
    calls.push(ms);
    await tick();
    if (signal?.aborted) return;
    clock.advance(ms);
    after(clock.now());
    await tick();
  };
  return Object.assign(sleep, { calls });
}
