/**
 * Clinical content of one attendance: diagnoses, procedures and prescriptions, chosen from the
 * patient's profile and the visit type (laboratory tests are in labs.ts). Pure functions of an Rng; no ids, no
 * timestamps (see encounters.ts).
 */
import {
  ACUTE_DRUGS,
  ADULT_ACUTE,
  CHILD_ACUTE,
  CHRONIC_DRUGS,
  DRUGS,
  PROCEDURES,
  type Drug,
  type Procedure,
} from './catalog.js';
import type { Rng } from './prng.js';
import { CHRONIC_CODES, DIABETES_MASK, LIPID_MASK } from './reference.js';

export type VisitType =
  'Walk-in' | 'Appointment' | 'Follow-up' | 'Chronic review' | 'Vaccination' | 'Health screening';

export interface Patient {
  id: number;
  age: number;
  male: boolean;
  chronic: number;
}

/** True when the chronic mask includes the condition. */
export const has = (mask: number, code: (typeof CHRONIC_CODES)[number]): boolean =>
  (mask & (1 << CHRONIC_CODES.indexOf(code))) !== 0;

export function chronicCodes(mask: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < CHRONIC_CODES.length; i++) if (mask & (1 << i)) out.push(CHRONIC_CODES[i]!);
  return out;
}

export function visitType(rng: Rng, p: Patient, isNew: boolean): VisitType {
  const r = rng.next();
  if (isNew)
    return r < 0.85 ? 'Walk-in' : r < 0.9 ? 'Appointment' : r < 0.95 ? 'Vaccination' : 'Health screening';
  if (p.chronic !== 0) {
    if (r < 0.5) return 'Chronic review';
    return r < 0.8
      ? 'Walk-in'
      : r < 0.88
        ? 'Follow-up'
        : r < 0.93
          ? 'Appointment'
          : r < 0.97
            ? 'Vaccination'
            : 'Health screening';
  }
  return r < 0.68
    ? 'Walk-in'
    : r < 0.8
      ? 'Follow-up'
      : r < 0.88
        ? 'Appointment'
        : r < 0.95
          ? 'Vaccination'
          : 'Health screening';
}

/** One to three distinct ICD-10 codes, primary first. */
export function diagnoses(rng: Rng, p: Patient, type: VisitType): string[] {
  const chronic = chronicCodes(p.chronic);
  const out: string[] = [];
  const add = (code: string): void => {
    if (out.length < 3 && !out.includes(code)) out.push(code);
  };
  switch (type) {
    case 'Chronic review': {
      for (let i = chronic.length - 1; i > 0; i--) {
        const j = rng.int(0, i);
        [chronic[i], chronic[j]] = [chronic[j]!, chronic[i]!];
      }
      chronic.slice(0, 3).forEach(add);
      if (out.length < 3 && p.chronic & (DIABETES_MASK | LIPID_MASK) && rng.chance(0.15)) add('Z71.3');
      break;
    }
    case 'Vaccination':
      add(p.age >= 65 && rng.chance(0.4) ? 'Z23.8' : 'Z25.1');
      break;
    case 'Health screening':
      add(p.age >= 40 && rng.chance(0.5) ? 'Z13.1' : 'Z00.0');
      if (chronic.length > 0 && rng.chance(0.2)) add(rng.pick(chronic));
      break;
    default: {
      const flare = chronic.filter((c) => c === 'J45.9' || c === 'M10.9' || c === 'M17.9');
      add(
        flare.length > 0 && rng.chance(0.15)
          ? rng.pick(flare)
          : (p.age < 13 ? CHILD_ACUTE : ADULT_ACUTE).pick(rng),
      );
      for (const c of chronic) if (rng.chance(0.25)) add(c);
    }
  }
  return out;
}

export function procedures(rng: Rng, p: Patient, type: VisitType, dx: readonly string[]): Procedure[] {
  const P = PROCEDURES;
  const out: Procedure[] = [];
  const primary = dx[0]!;
  if (type === 'Vaccination') {
    out.push(primary === 'Z23.8' ? P.pcv : p.age >= 18 && rng.chance(0.1) ? P.tdap : P.flu);
  } else if (type === 'Chronic review') {
    if (p.chronic & DIABETES_MASK) {
      if (rng.chance(0.2)) out.push(P.dfs);
      if (rng.chance(0.12)) out.push(P.drp);
      if (rng.chance(0.15)) out.push(P.capbg);
    }
    if ((has(p.chronic, 'I10') || has(p.chronic, 'I25.9')) && rng.chance(0.06)) out.push(P.ecg);
    if (has(p.chronic, 'J44.9') && rng.chance(0.1)) out.push(P.spiro);
  } else if (type === 'Health screening') {
    if (p.age >= 40 && rng.chance(0.15)) out.push(P.ecg);
    if (rng.chance(0.3)) out.push(P.urine);
    if (rng.chance(0.2)) out.push(P.capbg);
  } else if (primary === 'S61.9' || primary === 'T14.1') {
    if (type === 'Follow-up') out.push(rng.chance(0.7) ? P.dressing : P.stoc);
    else out.push(rng.chance(0.4) ? P.suture : P.dressing);
  } else if (primary === 'H61.2') {
    if (rng.chance(0.85)) out.push(P.ear);
  } else if (primary === 'J45.9') {
    if (rng.chance(0.4)) out.push(P.neb);
  } else if (primary === 'M54.5' || primary === 'M25.5' || primary === 'M10.9') {
    if (rng.chance(0.08)) out.push(P.injection);
  } else if (primary === 'N39.0' || primary === 'R10.4') {
    if (rng.chance(primary === 'N39.0' ? 0.7 : 0.2)) out.push(P.urine);
  }
  return out;
}

export interface Prescription {
  drug: Drug;
  quantity: number;
  durationDays: number;
}

const PER_DAY = { OM: 1, ON: 1, BD: 2, TDS: 3, PRN: 0 } as const;

function prescribe(drug: Drug, durationDays: number, chronic: boolean): Prescription {
  let quantity: number;
  if (drug.unitsPerDose === 0) quantity = chronic ? Math.max(1, Math.ceil(durationDays / 28)) : 1;
  else if (drug.frequency === 'PRN') quantity = drug.unitsPerDose * (durationDays <= 5 ? 10 : 20);
  else quantity = drug.unitsPerDose * PER_DAY[drug.frequency] * durationDays;
  return { drug, quantity, durationDays };
}

/** Zero to four prescriptions; chronic patients keep the same maintenance drug across visits. */
export function prescriptions(rng: Rng, p: Patient, type: VisitType, dx: readonly string[]): Prescription[] {
  const out: Prescription[] = [];
  if (type === 'Vaccination' || type === 'Health screening') return out;
  if (type === 'Chronic review') {
    const r = rng.next();
    const days = r < 0.7 ? 84 : r < 0.9 ? 56 : 112;
    const seen = new Set<string>();
    for (const code of chronicCodes(p.chronic)) {
      const options = CHRONIC_DRUGS[code];
      if (!options || out.length >= 4) continue;
      const h = (Math.imul(p.id, 0x9e3779b1) ^ Math.imul(code.charCodeAt(0) + code.length, 0x85ebca6b)) >>> 0;
      const drug = options[h % options.length]!;
      if (seen.has(drug.code)) continue;
      seen.add(drug.code);
      out.push(prescribe(drug, days, true));
    }
    return out;
  }
  if (type === 'Follow-up' && rng.chance(0.5)) return out;
  const options = ACUTE_DRUGS[dx[0]!] ?? [];
  const n = Math.min(options.length, rng.int(1, 3));
  const start = rng.int(0, Math.max(0, options.length - 1));
  const r = rng.next();
  for (let i = 0; i < n; i++) {
    let drug = options[(start + i) % options.length]!;
    if (p.age < 12 && drug === DRUGS.paracetamol) drug = DRUGS.paracetamolSyrup;
    const antibiotic = drug.code.startsWith('J01');
    out.push(prescribe(drug, antibiotic ? (r < 0.6 ? 5 : 7) : r < 0.3 ? 3 : r < 0.8 ? 5 : 7, false));
  }
  return out;
}
