import { createHmac } from 'node:crypto';
import { inspect } from 'node:util';
import { describe, expect, it, vi } from 'vitest';
import { redactSecrets } from '../../../src/config/secret.js';
import { ExitCode } from '../../../src/errors.js';
import { PseudonymKeyError } from '../../../src/transform/errors.js';
import { pseudonymKey, tokenCache } from '../../../src/transform/pseudonym-key.js';

const KEY = 'k3y-canary-0123456789abcdef-0123456789';
const OTHER = 'another-key-0123456789abcdef-01234567';

describe('pseudonymKey', () => {
  it('makes HMAC-SHA256 tokens of the text, as 64 hex characters', () => {
    const key = pseudonymKey({ MOH_PSEUDONYM_KEY: KEY }, 'MOH_PSEUDONYM_KEY');
    const want = createHmac('sha256', KEY).update('S1234567D').digest('hex');
    expect(key.token('S1234567D')).toBe(want);
    expect(key.token('S1234567D')).toMatch(/^[0-9a-f]{64}$/);
    expect(key.token('')).toBe(createHmac('sha256', KEY).update('').digest('hex'));
    expect(key.token('李小龍')).toBe(
      createHmac('sha256', KEY).update(Buffer.from('李小龍', 'utf8')).digest('hex'),
    );
  });

  it('gives different tokens under different keys, the same under the same key', () => {
    const a = pseudonymKey({ K: KEY }, 'K');
    const b = pseudonymKey({ K: OTHER }, 'K');
    const a2 = pseudonymKey({ OTHER_NAME: KEY }, 'OTHER_NAME');
    expect(a.token('S1234567D')).not.toBe(b.token('S1234567D'));
    expect(a.token('S1234567D')).toBe(a2.token('S1234567D'));
  });

  it('never shows the key through JSON, inspect, String or the redactor', () => {
    const key = pseudonymKey({ K: KEY }, 'K');
    const token = tokenCache(key);
    for (const printed of [
      JSON.stringify({ key }),
      inspect(key, { depth: 10, showHidden: true }),
      inspect({ key, token }, { depth: 10, showHidden: true }),
      String(key),
      `${String(key)}`,
    ]) {
      expect(printed).not.toContain(KEY);
    }
    expect(redactSecrets(`oops ${KEY}`)).toBe('oops ***');
  });

  it('refuses a missing or short key, naming the variable only (exit 2)', () => {
    const missing = catchError(() => pseudonymKey({}, 'MOH_PSEUDONYM_KEY'));
    expect(missing).toBeInstanceOf(PseudonymKeyError);
    expect(missing.exitCode).toBe(ExitCode.UsageError);
    expect(missing.retryable).toBe(false);
    expect(missing.message).toBe('the pseudonymisation key MOH_PSEUDONYM_KEY is not set');
    expect(missing.hint).toContain('MOH_PSEUDONYM_KEY');
    expect(catchError(() => pseudonymKey({ K: '' }, 'K')).message).toContain('is not set');

    const shortKey = 'short-key-canary-31-characters!';
    expect(shortKey).toHaveLength(31);
    const short = catchError(() => pseudonymKey({ K: shortKey }, 'K'));
    expect(short.message).toBe('the pseudonymisation key K is shorter than 32 characters');
    expect(`${short.message} ${short.hint} ${inspect(short)}`).not.toContain(shortKey);
    expect(pseudonymKey({ K: shortKey + 'x' }, 'K').token('a')).toHaveLength(64);
  });

  it('caches tokens without changing them, and keeps working past its size', () => {
    const key = pseudonymKey({ K: KEY }, 'K');
    const token = tokenCache(key, 4);
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 10; i++) expect(token(`v${i}`)).toBe(key.token(`v${i}`));
    }
  });
});

describe('tokenCache', () => {
  it('computes each repeated value once while the values fit', () => {
    const key = pseudonymKey({ K: KEY }, 'K');
    const hmac = vi.spyOn(key, 'token');
    const token = tokenCache(key, 100);
    for (let round = 0; round < 10; round++) for (let i = 0; i < 50; i++) token(`S${i}`);
    expect(hmac).toHaveBeenCalledTimes(50);
  });

  it('stops caching values that never repeat, and still answers right', () => {
    const key = pseudonymKey({ K: KEY }, 'K');
    const token = tokenCache(key, 10);
    const want = Array.from({ length: 500 }, (_, i) => key.token(`P${i}`));
    const hmac = vi.spyOn(key, 'token');
    expect(Array.from({ length: 500 }, (_, i) => token(`P${i}`))).toEqual(want);
    expect(hmac).toHaveBeenCalledTimes(500);
    // After the bypass (8 × 10 values) it caches again: a repeated value is computed once more only.
    for (let i = 0; i < 100; i++) token('again');
    expect(hmac.mock.calls.length).toBeLessThan(500 + 60); // 100 without the cache
  });
});

function catchError(f: () => unknown): PseudonymKeyError {
  try {
    f();
  } catch (e) {
    return e as PseudonymKeyError;
  }
  throw new Error('expected an error');
}
