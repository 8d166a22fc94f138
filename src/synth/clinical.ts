/**
 * Clinical content of one attendance: diagnoses, procedures, prescriptions and laboratory values,
 * chosen from the patient's profile and the visit type. Pure functions of an Rng; no ids, no
 * timestamps (see encounters.ts).
 */
import {
  ACUTE_DRUGS,
  ADULT_ACUTE,
  CHILD_ACUTE,
  CHRONIC_DRUGS,
  DRUGS,
  LAB_TESTS,
  PROCEDURES,
  referenceRange,
  type Drug,
  type LabCode,
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

const has = (mask: number, code: (typeof CHRONIC_CODES)[number]): boolean =>
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

/** Which laboratory tests are ordered at this attendance (distinct codes, in order). */
export function labOrders(rng: Rng, p: Patient, type: VisitType, dx: readonly string[]): LabCode[] {
  const out: LabCode[] = [];
  const add = (...codes: LabCode[]): void => {
    for (const c of codes) if (!out.includes(c)) out.push(c);
  };
  const lipids: LabCode[] = ['TC', 'LDL', 'HDL', 'TG'];
  const m = p.chronic;
  if (type === 'Chronic review') {
    const diabetic = (m & DIABETES_MASK) !== 0;
    if (diabetic) {
      if (rng.chance(0.85)) add('HBA1C');
      if (rng.chance(0.25)) add('FBG');
      if (rng.chance(0.25)) add('UACR');
      if (rng.chance(0.35)) add('CREAT', 'EGFR');
    }
    if ((diabetic || m & LIPID_MASK) && rng.chance(0.35)) add(...lipids);
    if (m & LIPID_MASK && rng.chance(0.15)) add('ALT');
    if (has(m, 'I10') && rng.chance(0.25)) add('CREAT', 'EGFR', 'K');
    if (has(m, 'N18.3') && rng.chance(0.6)) add('CREAT', 'EGFR', 'K');
    if (has(m, 'N18.3') && rng.chance(0.3)) add('UACR');
    if (has(m, 'E03.9') && rng.chance(0.4)) add('TSH');
    if (has(m, 'M10.9') && rng.chance(0.4)) add('UA');
    if (has(m, 'R73.0') && rng.chance(0.5)) add(rng.chance(0.5) ? 'HBA1C' : 'FBG');
  } else if (type === 'Health screening') {
    if (dx[0] === 'Z13.1' || rng.chance(0.6)) add(rng.chance(0.6) ? 'FBG' : 'HBA1C');
    if (rng.chance(0.7)) add(...lipids);
  } else if (dx[0] === 'A90' || dx[0] === 'R50.9') {
    if (rng.chance(dx[0] === 'A90' ? 0.8 : 0.15)) add('HB', 'WBC', 'PLT');
  }
  return out;
}

export interface LabContext {
  male: boolean;
  age: number;
  chronic: number;
  dengue: boolean;
}

export interface LabValue {
  code: LabCode;
  value: number | null;
  low: number | null;
  high: number | null;
}

const round = (v: number, dp: number): number => Number(v.toFixed(dp));

/** Plausible values for the ordered tests; TC follows Friedewald and eGFR follows CKD-EPI 2021. */
export function labValues(rng: Rng, ctx: LabContext, codes: readonly LabCode[]): LabValue[] {
  const m = ctx.chronic;
  const diabetic = (m & DIABETES_MASK) !== 0;
  const prediabetic = has(m, 'R73.0');
  const ckd = has(m, 'N18.3');
  const lipid = (m & LIPID_MASK) !== 0;
  const v: Partial<Record<LabCode, number>> = {};
  const ln = (median: number, sigma: number, lo: number, hi: number): number =>
    Math.min(hi, Math.max(lo, rng.logNormal(median, sigma)));
  const n = (mean: number, sd: number, lo: number, hi: number): number => rng.clampedNormal(mean, sd, lo, hi);
  for (const code of codes) {
    switch (code) {
      case 'HBA1C':
        v.HBA1C = diabetic
          ? n(7.4, 1.3, 5.0, 14.5)
          : prediabetic
            ? n(6.0, 0.25, 5.5, 6.6)
            : n(5.4, 0.3, 4.2, 6.2);
        break;
      case 'FBG':
        v.FBG = diabetic
          ? n(8.2, 2.2, 4.0, 22)
          : prediabetic
            ? n(6.1, 0.4, 5.0, 7.2)
            : n(5.0, 0.45, 3.6, 6.8);
        break;
      case 'TC': {
        const tg = round(ln(diabetic ? 1.6 : 1.3, 0.4, 0.4, 8), 2);
        const hdl = round(n(ctx.male ? 1.15 : 1.4, 0.28, 0.5, 2.8), 2);
        const ldl = round(n(lipid ? 2.9 : 3.1, 0.8, 0.8, 6.5), 2);
        Object.assign(v, { TG: tg, HDL: hdl, LDL: ldl, TC: ldl + hdl + tg / 2.2 });
        break;
      }
      case 'CREAT': {
        const factor = (ckd ? n(1.7, 0.3, 1.2, 3.5) : 1) * (has(m, 'E11.2') ? 1.3 : 1);
        v.CREAT = n(ctx.male ? 85 : 62, 13, 35, 160) * factor;
        break;
      }
      case 'EGFR': {
        const scr = round(v.CREAT ?? (ctx.male ? 85 : 62), 0) / 88.4;
        const k = ctx.male ? 0.9 : 0.7;
        const a = ctx.male ? -0.302 : -0.241;
        const egfr =
          142 *
          Math.min(scr / k, 1) ** a *
          Math.max(scr / k, 1) ** -1.2 *
          0.9938 ** ctx.age *
          (ctx.male ? 1 : 1.012);
        v.EGFR = Math.min(150, egfr);
        break;
      }
      case 'K':
        v.K = ckd ? n(4.8, 0.45, 3.2, 6.5) : n(4.2, 0.35, 2.9, 5.8);
        break;
      case 'NA':
        v.NA = n(139, 2.2, 126, 150);
        break;
      case 'UACR':
        v.UACR = ln((diabetic ? 2.0 : 0.8) * (ckd ? 3 : 1), 1.0, 0.1, 300);
        break;
      case 'ALT':
        v.ALT = ln(ctx.male ? 26 : 19, 0.4, 5, 300);
        break;
      case 'TSH':
        v.TSH = has(m, 'E03.9') ? ln(3.0, 0.7, 0.05, 40) : ln(1.6, 0.45, 0.1, 10);
        break;
      case 'UA':
        v.UA = has(m, 'M10.9')
          ? n(ctx.male ? 470 : 380, 70, 250, 700)
          : n(ctx.male ? 360 : 280, 60, 150, 600);
        break;
      case 'HB':
        v.HB = n(ctx.male ? 14.5 : 12.9, 1.1, 8, 18.5);
        break;
      case 'WBC':
        v.WBC = ctx.dengue ? ln(3.3, 0.3, 1.2, 9) : ln(7.2, 0.25, 3, 18);
        break;
      case 'PLT':
        v.PLT = ctx.dengue ? ln(95, 0.45, 10, 300) : n(260, 60, 100, 500);
        break;
      default:
        break; // LDL, HDL, TG come with TC
    }
  }
  return codes.map((code) => {
    const raw = v[code];
    const [low, high] = referenceRange(code, ctx.male);
    return { code, value: raw === undefined ? null : round(raw, LAB_TESTS[code].dp), low, high };
  });
}

/** H, L or N for a value against its interval; null when there is no value. */
export function abnormalFlag(
  value: number | null,
  low: number | null,
  high: number | null,
): 'H' | 'L' | 'N' | null {
  if (value === null) return null;
  if (low !== null && value < low) return 'L';
  if (high !== null && value > high) return 'H';
  return 'N';
}
