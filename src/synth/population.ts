/**
 * The patient population. Each patient's profile (age, sex, ethnicity, residency, chronic
 * conditions, home polyclinic, how often they visit) is a pure function of (seed, patient_id), so
 * the population can be rebuilt from the seed alone when `advance` continues a database. NRICs
 * are allocated in id order by {@link NricAllocator}, which makes them unique.
 */
import type { Row } from '../schema/column-types.js';
import { formatDate, formatUtc, localToUtc, parseDate, US_PER_DAY, US_PER_HOUR } from './calendar.js';
import { NricAllocator, Residency } from './nric.js';
import { Rng, Weighted } from './prng.js';
import { CHRONIC_CODES, POLYCLINICS } from './reference.js';

const ETHNICITY_RESIDENT = new Weighted<string>([
  ['Chinese', 74],
  ['Malay', 13.5],
  ['Indian', 9],
  ['Others', 3.5],
]);
const ETHNICITY_FOREIGN = new Weighted<string>([
  ['Chinese', 30],
  ['Indian', 30],
  ['Malay', 8],
  ['Others', 32],
]);
const AGE_RESIDENT = new Weighted<readonly [number, number]>([
  [[0, 6], 6],
  [[7, 17], 7],
  [[18, 39], 18],
  [[40, 59], 30],
  [[60, 79], 30],
  [[80, 89], 7],
  [[90, 99], 2],
]);
const AGE_FOREIGN = new Weighted<readonly [number, number]>([
  [[20, 34], 40],
  [[35, 49], 40],
  [[50, 64], 20],
]);
const HOME = new Weighted<number>(POLYCLINICS.map((pc, i) => [i, pc.weight] as const));
const ALL_SECTORS = [...new Set(POLYCLINICS.flatMap((pc) => pc.sectors))];
const REGISTRATION_FLOOR = parseDate('2008-01-01');
const bit = (code: (typeof CHRONIC_CODES)[number]): number => 1 << CHRONIC_CODES.indexOf(code);

export interface PatientProfile {
  residency: Residency;
  male: boolean;
  birthDay: number;
  age: number;
  ethnicity: string;
  chronic: number;
  /** Index into POLYCLINICS, or -1 when not enrolled with a polyclinic. */
  home: number;
  postalCode: string | null;
  propensity: number;
}

/** Age-dependent chronic disease prevalence, loosely after the National Population Health Survey. */
function chronicMask(rng: Rng, age: number, male: boolean, foreign: boolean): number {
  const band = (a: number, b: number, c: number, e: number, f: number): number =>
    age < 30 ? a : age < 45 ? b : age < 60 ? c : age < 75 ? e : f;
  const damp = foreign ? 0.5 : 1;
  let mask = 0;
  if (rng.chance(band(0.005, 0.05, 0.18, 0.32, 0.35) * damp)) {
    const r = rng.next();
    mask |= r < 0.7 ? bit('E11.9') : r < 0.8 ? bit('E11.2') : r < 0.9 ? bit('E11.3') : bit('E11.5');
  } else if (age >= 30 && rng.chance(0.12)) mask |= bit('R73.0');
  if (rng.chance(band(0.01, 0.08, 0.3, 0.55, 0.7) * damp)) mask |= bit('I10');
  if (rng.chance(band(0.02, 0.15, 0.4, 0.6, 0.6) * damp))
    mask |= rng.chance(0.8) ? bit('E78.5') : bit('E78.0');
  if (age >= 50 && mask & (bit('I10') | 0b1111) && rng.chance(0.12)) mask |= bit('N18.3');
  if (rng.chance(age < 18 ? 0.1 : 0.05)) mask |= bit('J45.9');
  if (age >= 55 && rng.chance(male ? 0.05 : 0.015)) mask |= bit('J44.9');
  if (age >= 18 && rng.chance(0.08)) mask |= bit('E66.9');
  if (age >= 55 && rng.chance(0.12)) mask |= bit('M17.9');
  if (age >= 50 && rng.chance(male ? 0.08 : 0.04)) mask |= bit('I25.9');
  if (age >= 65 && rng.chance(0.04)) mask |= bit('I48.9');
  if (age >= 18 && rng.chance(0.03)) mask |= bit('F32.9');
  if (age >= 18 && rng.chance(0.03)) mask |= bit('F41.1');
  if (rng.chance(male ? 0.01 : 0.04)) mask |= bit('E03.9');
  if (!male && age >= 60 && rng.chance(0.1)) mask |= bit('M81.0');
  if (age >= 35 && rng.chance(0.03)) mask |= bit('G47.3');
  if (age >= 60 && rng.chance(0.03)) mask |= bit('I69.4');
  if (male && age >= 35 && rng.chance(0.05)) mask |= bit('M10.9');
  if (rng.chance(age < 18 ? 0.08 : 0.02)) mask |= bit('L20.9');
  if (rng.chance(0.05)) mask |= bit('J30.4');
  return mask;
}

export function countBits(mask: number): number {
  let n = 0;
  for (let m = mask; m !== 0; m &= m - 1) n++;
  return n;
}

/** The profile of one patient; `rng` must be `Rng.of(seed, 'patient', id)` and is left positioned for row fields. */
export function patientProfile(rng: Rng, refDay: number): PatientProfile {
  const r = rng.next();
  const residency =
    r < 0.88 ? Residency.Citizen : r < 0.96 ? Residency.PermanentResident : Residency.Foreigner;
  const foreign = residency === Residency.Foreigner;
  const male = rng.chance(0.47);
  const [lo, hi] = (foreign ? AGE_FOREIGN : AGE_RESIDENT).pick(rng);
  const age = rng.int(lo, hi);
  const birthDay = refDay - Math.floor(age * 365.2425) - rng.int(1, 364);
  const ethnicity = (foreign ? ETHNICITY_FOREIGN : ETHNICITY_RESIDENT).pick(rng);
  const chronic = chronicMask(rng, age, male, foreign);
  const home = rng.chance(0.02) ? -1 : HOME.pick(rng);
  const sectors = home >= 0 && rng.chance(0.9) ? POLYCLINICS[home]!.sectors : ALL_SECTORS;
  const sector = rng.pick(sectors);
  const postalCode = rng.chance(0.01) ? null : sector + String(rng.int(0, 9999)).padStart(4, '0');
  const n = countBits(chronic);
  // Relative visit frequency: chronic, elderly and very young patients come more often.
  const propensity = Math.min(1, 0.3 + 0.1 * n + (age >= 65 ? 0.1 : 0) + (age < 7 ? 0.1 : 0));
  return { residency, male, birthDay, age, ethnicity, chronic, home, postalCode, propensity };
}

/** Profiles of patients 1..size in compact arrays, grown as new patients register. */
export class Population {
  size = 0;
  birthDay = new Int32Array(1024);
  male = new Uint8Array(1024);
  residency = new Uint8Array(1024);
  chronic = new Uint32Array(1024);
  home = new Int8Array(1024);
  propensity = new Float32Array(1024);
  private readonly nrics: NricAllocator;

  constructor(
    readonly seed: number,
    /** Ages are drawn relative to this day (the first day of the timeline). */
    readonly refDay: number,
  ) {
    this.nrics = new NricAllocator(seed);
  }

  /** Replays registration of patients 1..count (profiles and NRIC allocation, no rows). */
  static rebuild(seed: number, refDay: number, count: number): Population {
    const pop = new Population(seed, refDay);
    for (let i = 0; i < count; i++) pop.register();
    return pop;
  }

  /** Registers the next patient id; returns its id, profile, NRIC and the rng for row fields. */
  register(): { id: number; profile: PatientProfile; nric: string; rng: Rng } {
    const id = this.size + 1;
    const rng = Rng.of(this.seed, 'patient', id);
    const profile = patientProfile(rng, this.refDay);
    const nric = this.nrics.allocate(
      profile.residency,
      Number(formatDate(profile.birthDay).slice(0, 4)),
      profile.age,
    );
    this.grow(id + 1);
    this.birthDay[id] = profile.birthDay;
    this.male[id] = profile.male ? 1 : 0;
    this.residency[id] = profile.residency;
    this.chronic[id] = profile.chronic;
    this.home[id] = profile.home;
    this.propensity[id] = profile.propensity;
    this.size = id;
    return { id, profile, nric, rng };
  }

  private grow(min: number): void {
    if (min <= this.birthDay.length) return;
    const n = Math.max(min, this.birthDay.length * 2);
    const g = <T extends Int32Array | Uint8Array | Uint32Array | Int8Array | Float32Array>(
      a: T,
      make: (n: number) => T,
    ): T => {
      const b = make(n);
      b.set(a);
      return b;
    };
    this.birthDay = g(this.birthDay, (k) => new Int32Array(k));
    this.male = g(this.male, (k) => new Uint8Array(k));
    this.residency = g(this.residency, (k) => new Uint8Array(k));
    this.chronic = g(this.chronic, (k) => new Uint32Array(k));
    this.home = g(this.home, (k) => new Int8Array(k));
    this.propensity = g(this.propensity, (k) => new Float32Array(k));
  }
}

/** A patients row in TABLES.patients column order. */
export function patientRow(
  id: number,
  profile: PatientProfile,
  nric: string,
  createdUtcUs: number,
  updatedUtcUs: number,
): Row {
  return [
    id,
    nric,
    formatDate(profile.birthDay),
    profile.male ? 'M' : 'F',
    profile.ethnicity,
    profile.postalCode,
    profile.home >= 0 ? POLYCLINICS[profile.home]!.code : null,
    formatUtc(createdUtcUs),
    formatUtc(updatedUtcUs),
  ];
}

/**
 * Registration and last-update instants (UTC µs) of a patient registered before the timeline:
 * office hours on a day between birth (or 2008) and the day before `refDay`.
 */
export function historicRegistration(rng: Rng, profile: PatientProfile, refDay: number): [number, number] {
  const first = Math.max(profile.birthDay + 1, REGISTRATION_FLOOR);
  const last = refDay - 1;
  const day = first >= last ? last : rng.int(first, last - 1);
  const created = localToUtc(day * US_PER_DAY + 8 * US_PER_HOUR + Math.floor(rng.next() * 9 * US_PER_HOUR));
  const windowEnd = localToUtc(refDay * US_PER_DAY) - 1;
  const updated = rng.chance(0.5) ? created : created + Math.floor(rng.next() * (windowEnd - created));
  return [created, updated];
}
