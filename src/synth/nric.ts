/**
 * Singapore NRIC / FIN identifiers: the published check-letter algorithm, and the allocation of
 * synthetic but valid-looking numbers to patients.
 *
 * Check letter: multiply the seven digits by the weights 2,7,6,5,4,3,2 and sum; add 4 for the
 * T and G prefixes; take the sum modulo 11 and index the letter table — `JZIHGFEDCBA` for S/T
 * (citizens and permanent residents), `XWUTRQPNMLK` for F/G (foreigners).
 */

import { hash32 } from './prng.js';

const WEIGHTS = [2, 7, 6, 5, 4, 3, 2] as const;
const ST_LETTERS = 'JZIHGFEDCBA';
const FG_LETTERS = 'XWUTRQPNMLK';

export type NricPrefix = 'S' | 'T' | 'F' | 'G';

/**
 * The check letter for a prefix and seven digits, e.g. `nricCheckLetter('S', '1234567')` is `'D'`.
 * Throws a plain Error when the prefix or digits are malformed.
 */
export function nricCheckLetter(prefix: string, digits: string): string {
  if (!/^[0-9]{7}$/.test(digits)) throw new Error(`NRIC digits must be 7 digits, got "${digits}"`);
  const p = prefix.toUpperCase();
  if (p !== 'S' && p !== 'T' && p !== 'F' && p !== 'G') {
    throw new Error(`NRIC prefix must be S, T, F or G, got "${prefix}"`);
  }
  let sum = p === 'T' || p === 'G' ? 4 : 0;
  for (let i = 0; i < 7; i++) sum += (digits.charCodeAt(i) - 48) * WEIGHTS[i]!;
  const table = p === 'S' || p === 'T' ? ST_LETTERS : FG_LETTERS;
  return table[sum % 11]!;
}

/** True for a well-formed S/T/F/G identifier whose check letter is right (case-insensitive). */
export function isValidNric(value: string): boolean {
  const m = /^([STFG])([0-9]{7})([A-Z])$/.exec(value.toUpperCase());
  if (!m) return false;
  return nricCheckLetter(m[1]!, m[2]!) === m[3];
}

/** Residency status of a synthetic patient; it decides the identifier and the fee schedule. */
export const Residency = { Citizen: 0, PermanentResident: 1, Foreigner: 2 } as const;
export type Residency = (typeof Residency)[keyof typeof Residency];

/**
 * Allocates unique identifiers in patient-id order. The serial within each number space is
 * counted, then scrambled by an affine bijection so neighbouring patients do not get
 * neighbouring numbers. Because patients are always allocated in id order, replaying the same
 * profiles reproduces the same identifiers (that is how `advance` continues a database).
 */
export class NricAllocator {
  private readonly serials = new Map<string, number>();

  constructor(private readonly seed: number) {}

  allocate(residency: Residency, birthYear: number, age: number): string {
    let prefix: NricPrefix;
    let space: string;
    let size: number;
    let lead = '';
    if (residency === Residency.Foreigner) {
      prefix = age >= 45 ? 'F' : 'G';
      space = prefix;
      size = 10_000_000;
    } else if (birthYear >= 2000 || (residency === Residency.Citizen && birthYear >= 1968)) {
      // Citizens born from 1968, and everyone born from 2000, carry the birth year in digits 1-2.
      prefix = birthYear >= 2000 ? 'T' : 'S';
      lead = String(birthYear % 100).padStart(2, '0');
      space = lead;
      size = 100_000;
    } else {
      // Older citizens hold S0/S1 numbers; permanent residents S2/S3.
      prefix = 'S';
      space = residency === Residency.Citizen ? 'S01' : 'S23';
      size = 2_000_000;
    }
    const serial = this.serials.get(space) ?? 0;
    if (serial >= size) throw new Error(`synthetic NRIC space ${space} exhausted; use a smaller scale`);
    this.serials.set(space, serial + 1);
    const offset = hash32(this.seed, 'nric', space) % size;
    const n = (serial * 7_919 + offset) % size; // 7919 is prime, coprime with 2^a*5^b sizes
    let digits: string;
    if (space === 'S01') digits = String(n).padStart(7, '0');
    else if (space === 'S23') digits = String(2_000_000 + n);
    else digits = lead + String(n).padStart(7 - lead.length, '0');
    return prefix + digits + nricCheckLetter(prefix, digits);
  }
}
