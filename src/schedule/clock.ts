/**
 * Time as the scheduler sees it. The decisions take a `Clock` and the loop takes a `Sleep`, so
 * tests drive both with a fake clock (jump a week, cross a DST change) instead of waiting.
 */

export interface Clock {
  now(): Date;
}

/**
 * Wait `ms` milliseconds, or less if `signal` aborts first (it then resolves, never rejects: the
 * caller checks the signal).
 */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export const systemClock: Clock = { now: () => new Date() };

/** A real sleep that an abort ends early. */
export const systemSleep: Sleep = (ms, signal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    signal?.addEventListener('abort', done, { once: true });
  });
