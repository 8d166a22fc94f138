/**
 * Laboratory orders and values: which tests a visit orders, and plausible results for the
 * patient (TC follows Friedewald, eGFR follows CKD-EPI 2021 from the creatinine).
 */
import { LAB_TESTS, referenceRange, type LabCode } from './catalog.js';
import { has, type Patient, type VisitType } from './clinical.js';
import type { Rng } from './prng.js';
import { DIABETES_MASK, LIPID_MASK } from './reference.js';

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
