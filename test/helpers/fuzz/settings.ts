/**
 * The fuzzer's knobs, from the environment:
 *   MOH_FUZZ_SEED       the seed (decimal or 0x hex, 0..2^32-1); default: a new one per run, printed
 *   MOH_FUZZ_CASES      cases run in process (default 1000)
 *   MOH_FUZZ_CLI_CASES  further cases run as child processes of the built CLI (default 40)
 *   MOH_FUZZ_ONLY       comma-separated case indices: run only these (both ways), to reproduce one
 */
import { randomInt } from 'node:crypto';

export interface FuzzSettings {
  seed: number;
  /** Whether the seed came from MOH_FUZZ_SEED. */
  seedGiven: boolean;
  /** Indices of the in-process cases. */
  inProcess: number[];
  /** Indices of the child-process cases. */
  child: number[];
}

export const DEFAULT_CASES = 1000;
export const DEFAULT_CLI_CASES = 40;

export function fuzzSettings(env: NodeJS.ProcessEnv = process.env): FuzzSettings {
  const given = env.MOH_FUZZ_SEED?.trim();
  const seed = given ? wholeNumber('MOH_FUZZ_SEED', given, 2 ** 32 - 1) : randomInt(2 ** 32 - 1);
  const cases = count('MOH_FUZZ_CASES', env.MOH_FUZZ_CASES, DEFAULT_CASES);
  const cliCases = count('MOH_FUZZ_CLI_CASES', env.MOH_FUZZ_CLI_CASES, DEFAULT_CLI_CASES);
  const only = env.MOH_FUZZ_ONLY?.trim();
  if (only) {
    const indices = only.split(',').map((s) => wholeNumber('MOH_FUZZ_ONLY', s.trim(), 2 ** 31));
    return { seed, seedGiven: Boolean(given), inProcess: indices, child: indices };
  }
  const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);
  return { seed, seedGiven: Boolean(given), inProcess: range(0, cases), child: range(cases, cliCases) };
}

function count(name: string, value: string | undefined, fallback: number): number {
  return value?.trim() ? wholeNumber(name, value.trim(), 1_000_000) : fallback;
}

function wholeNumber(name: string, text: string, max: number): number {
  const n = /^0x[0-9a-f]+$/i.test(text) ? Number.parseInt(text, 16) : /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < 0 || n > max)
    throw new Error(`${name}="${text}" is not a whole number from 0 to ${max}`);
  return n;
}
