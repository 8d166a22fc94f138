import { describe, expect, it } from 'vitest';
import { isValidNric, nricCheckLetter } from '../../../src/synth/index.js';
import { generate } from '../../../src/synth/run.js';
import { col, collect } from './collect.js';

describe('NRIC check letters', () => {
  it('matches published examples', () => {
    expect(nricCheckLetter('S', '1234567')).toBe('D');
    expect(nricCheckLetter('T', '1234567')).toBe('J');
    expect(nricCheckLetter('F', '1234567')).toBe('N');
    expect(nricCheckLetter('G', '1234567')).toBe('X');
    for (const id of ['S1234567D', 'T1234567J', 'F1234567N', 'G1234567X', 's1234567d']) {
      expect(isValidNric(id)).toBe(true);
    }
  });

  it('rejects wrong letters, prefixes and lengths', () => {
    for (const id of [
      'S1234567A',
      'T1234567D',
      'F1234567X',
      'M1234567K',
      'S123456D',
      'S12345678D',
      '',
      'S1234567',
    ]) {
      expect(isValidNric(id)).toBe(false);
    }
    expect(() => nricCheckLetter('X', '1234567')).toThrow(/prefix/);
    expect(() => nricCheckLetter('S', '12345')).toThrow(/7 digits/);
  });

  it('gives every generated patient a unique, valid identifier consistent with the birth year', () => {
    const t = collect(generate({ scale: 0.05, days: 2 }));
    const nric = col('patients', 'nric');
    const dob = col('patients', 'date_of_birth');
    const ids = t.patients.map((r) => nric(r) as string);
    expect(ids.every(isValidNric)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    const prefixes = new Set(ids.map((s) => s[0]));
    expect([...prefixes].sort()).toEqual(['F', 'G', 'S', 'T']);
    for (const r of t.patients) {
      const id = nric(r) as string;
      const year = Number((dob(r) as string).slice(0, 4));
      if (id[0] === 'T') expect(year).toBeGreaterThanOrEqual(2000);
      if (id[0] === 'S') expect(year).toBeLessThan(2000);
      // Citizens born 1968-1999 carry the birth year in the first two digits.
      if (id[0] === 'S' && year >= 1968 && id[1] !== '2' && id[1] !== '3')
        expect(id.slice(1, 3)).toBe(String(year % 100));
    }
    const foreigners = ids.filter((s) => s[0] === 'F' || s[0] === 'G').length;
    expect(foreigners / ids.length).toBeGreaterThan(0.02);
    expect(foreigners / ids.length).toBeLessThan(0.07);
  });
});
