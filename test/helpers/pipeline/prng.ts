/**
 * A seeded pseudo-random source for tests that pick random moments (kill -9 tests): the seed is
 * printed, and setting the named environment variable replays the same plan.
 */

/** mulberry32: small, fast, and good enough to spread kills over a phase. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** The seed from `variable` when set (to replay a failure), else one from the clock. */
export function seedFrom(variable: string): number {
  const given = process.env[variable];
  if (given !== undefined && given.trim() !== '') {
    const n = Number(given);
    if (!Number.isSafeInteger(n)) throw new Error(`${variable}=${given} is not an integer seed`);
    return n;
  }
  return Date.now() % 1_000_000;
}

/** One element of `items`, chosen by `random`. */
export function pick<T>(random: () => number, items: readonly T[]): T {
  if (items.length === 0) throw new Error('pick from an empty list');
  return items[Math.floor(random() * items.length)]!;
}
