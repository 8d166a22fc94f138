/**
 * The pseudonymisation key and the tokens it makes. A token is HMAC-SHA256 over the value's
 * canonical text, as 64 lower-case hex characters: the same text gives the same token in every
 * source, column and run (so pseudonymised tables still join), and nobody without the key can
 * compute a token from a guessed NRIC (a plain hash of the few million NRICs is a lookup table).
 *
 * The key lives in the environment only (never in config, code or output): it is held in a private
 * field, prints as `***` through JSON, `util.inspect` and template strings, and its text is
 * registered with the secret redactor so no log line or error can carry it.
 */
import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import { inspect } from 'node:util';
import { registerSecretValue } from '../config/secret.js';
import { MIN_KEY_LENGTH } from '../config/transform-schema.js';
import { PseudonymKeyError } from './errors.js';

/** The environment slice the key is read from (process.env merged with .env). */
export type Environment = Readonly<Record<string, string | undefined>>;

/** A keyed token function. Holds the key; prints as `PseudonymKey(***)`. */
export class PseudonymKey {
  readonly #key: KeyObject;

  /** Use {@link pseudonymKey}, which checks the key. */
  constructor(key: string) {
    // A KeyObject keeps the key material in native memory and makes HMACs ~10% faster than a string key.
    this.#key = createSecretKey(Buffer.from(key, 'utf8'));
    registerSecretValue(key);
  }

  /** HMAC-SHA256 of `text` (UTF-8) as 64 hex characters: ~1.8–2 µs (bench_transform); see {@link tokenCache}. */
  token(text: string): string {
    return createHmac('sha256', this.#key).update(text, 'utf8').digest('hex');
  }

  toString(): string {
    return '***';
  }

  toJSON(): string {
    return '***';
  }

  [inspect.custom](): string {
    return 'PseudonymKey(***)';
  }
}

/**
 * The key named by `variable` in `env`. Throws {@link PseudonymKeyError} (exit 2) when it is missing
 * or shorter than {@link MIN_KEY_LENGTH} characters; the error names the variable, never the value.
 */
export function pseudonymKey(env: Environment, variable: string): PseudonymKey {
  const key = env[variable];
  if (key === undefined || key === '') throw new PseudonymKeyError(variable, 'is not set');
  if (key.length < MIN_KEY_LENGTH) {
    throw new PseudonymKeyError(variable, `is shorter than ${MIN_KEY_LENGTH} characters`);
  }
  return new PseudonymKey(key);
}

/** Text in, token out: what a pseudonymise policy calls per value. */
export type Pseudonymiser = (text: string) => string;

/** Distinct values remembered per cache (about 10 MB at ~150 bytes per entry). */
export const TOKEN_CACHE_ENTRIES = 65_536;

/**
 * Tokens of recently seen text. A patient appears in many attendances, diagnoses and lab results,
 * so values often repeat within a run; a Map hit costs ~0.1 µs against ~2–3 µs for an HMAC
 * (scripts/bench_transform.ts). The cache is cleared when full (simpler than LRU). When a full
 * cache served fewer than one lookup in five (a patients table, where every id comes once, or
 * more distinct patients than fit), caching costs more than it saves (a miss adds ~0.3–1 µs in
 * insertion and garbage), so the next `8 × entries` values bypass it before it tries again.
 * It lives in a closure, like the key.
 */
export function tokenCache(key: PseudonymKey, entries = TOKEN_CACHE_ENTRIES): Pseudonymiser {
  const cache = new Map<string, string>();
  let hits = 0;
  let bypass = 0;
  return (text) => {
    if (bypass > 0) {
      bypass--;
      return key.token(text);
    }
    let token = cache.get(text);
    if (token !== undefined) {
      hits++;
      return token;
    }
    token = key.token(text);
    if (cache.size >= entries) {
      // This generation saw `entries` misses and `hits` hits: under 20% hits, stop caching a while.
      if (hits * 4 < entries) bypass = entries * 8;
      hits = 0;
      cache.clear();
    }
    if (bypass === 0) cache.set(text, token);
    return token;
  };
}
