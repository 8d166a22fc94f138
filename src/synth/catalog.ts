/**
 * Clinical catalogues: the drugs, procedures and laboratory tests a polyclinic records, and which
 * of them go with which diagnosis. Drug codes are WHO ATC codes (with a form suffix where one
 * substance appears in two forms); procedure codes are local short codes.
 */
import { Weighted } from './prng.js';

export type Frequency = 'OM' | 'ON' | 'BD' | 'TDS' | 'PRN';

export interface Drug {
  code: string;
  name: string;
  dose: string;
  frequency: Frequency;
  /** Tablets per dose for solid forms; 0 for packs (inhaler, cream, bottle), dispensed whole. */
  unitsPerDose: number;
}

const d = (code: string, name: string, dose: string, frequency: Frequency, unitsPerDose: number): Drug => ({
  code,
  name,
  dose,
  frequency,
  unitsPerDose,
});

export const DRUGS = {
  metformin: d('A10BA02', 'Metformin 500 mg tablet', '1 tab', 'BD', 1),
  metformin2: d('A10BA02-2', 'Metformin 850 mg tablet', '1 tab', 'BD', 1),
  gliclazide: d('A10BB09', 'Gliclazide 80 mg tablet', '1 tab', 'BD', 1),
  sitagliptin: d('A10BH01', 'Sitagliptin 100 mg tablet', '1 tab', 'OM', 1),
  empagliflozin: d('A10BK03', 'Empagliflozin 10 mg tablet', '1 tab', 'OM', 1),
  glargine: d('A10AE04', 'Insulin glargine 100 units/ml pen 3 ml', '18 units', 'ON', 0),
  amlodipine: d('C08CA01', 'Amlodipine 5 mg tablet', '1 tab', 'OM', 1),
  nifedipine: d('C08CA05', 'Nifedipine LA 30 mg tablet', '1 tab', 'OM', 1),
  losartan: d('C09CA01', 'Losartan 50 mg tablet', '1 tab', 'OM', 1),
  atenolol: d('C07AB03', 'Atenolol 50 mg tablet', '1 tab', 'OM', 1),
  hctz: d('C03AA03', 'Hydrochlorothiazide 25 mg tablet', '1 tab', 'OM', 1),
  atorvastatin: d('C10AA05', 'Atorvastatin 20 mg tablet', '1 tab', 'ON', 1),
  simvastatin: d('C10AA01', 'Simvastatin 20 mg tablet', '1 tab', 'ON', 1),
  rosuvastatin: d('C10AA07', 'Rosuvastatin 10 mg tablet', '1 tab', 'ON', 1),
  bicarbonate: d('B05XA02', 'Sodium bicarbonate 500 mg tablet', '1 tab', 'BD', 1),
  salbutamol: d('R03AC02', 'Salbutamol 100 mcg/dose inhaler', '2 puffs', 'PRN', 0),
  symbicort: d('R03AK07', 'Budesonide/formoterol 160/4.5 mcg inhaler', '1 puff', 'BD', 0),
  tiotropium: d('R03BB04', 'Tiotropium 2.5 mcg/dose Respimat', '2 puffs', 'OM', 0),
  aspirin: d('B01AC06', 'Aspirin 100 mg tablet', '1 tab', 'OM', 1),
  clopidogrel: d('B01AC04', 'Clopidogrel 75 mg tablet', '1 tab', 'OM', 1),
  ismn: d('C01DA14', 'Isosorbide mononitrate 30 mg tablet', '1 tab', 'OM', 1),
  apixaban: d('B01AF02', 'Apixaban 5 mg tablet', '1 tab', 'BD', 1),
  bisoprolol: d('C07AB07', 'Bisoprolol 2.5 mg tablet', '1 tab', 'OM', 1),
  sertraline: d('N06AB06', 'Sertraline 50 mg tablet', '1 tab', 'OM', 1),
  fluoxetine: d('N06AB03', 'Fluoxetine 20 mg capsule', '1 cap', 'OM', 1),
  escitalopram: d('N06AB10', 'Escitalopram 10 mg tablet', '1 tab', 'OM', 1),
  levothyroxine: d('H03AA01', 'Levothyroxine 50 mcg tablet', '1 tab', 'OM', 1),
  calciumD: d('A12AX', 'Calcium carbonate 1.25 g + vitamin D3 400 IU tablet', '1 tab', 'OM', 1),
  allopurinol: d('M04AA01', 'Allopurinol 100 mg tablet', '1 tab', 'OM', 1),
  colchicine: d('M04AC01', 'Colchicine 0.5 mg tablet', '1 tab', 'BD', 1),
  hydrocortisone: d('D07AA02', 'Hydrocortisone 1% cream 15 g', 'apply thinly', 'BD', 0),
  emollient: d('D02AX', 'Aqueous cream 100 g', 'apply', 'TDS', 0),
  loratadine: d('R06AX13', 'Loratadine 10 mg tablet', '1 tab', 'OM', 1),
  mometasone: d('R01AD09', 'Mometasone 50 mcg nasal spray', '2 sprays', 'OM', 0),
  paracetamol: d('N02BE01', 'Paracetamol 500 mg tablet', '2 tabs', 'PRN', 2),
  paracetamolSyrup: d('N02BE01-S', 'Paracetamol 120 mg/5 ml syrup 60 ml', '5 ml', 'PRN', 0),
  chlorphenamine: d('R06AB04', 'Chlorphenamine 4 mg tablet', '1 tab', 'TDS', 1),
  dextromethorphan: d('R05DA09', 'Dextromethorphan 15 mg/5 ml syrup 90 ml', '10 ml', 'TDS', 0),
  guaifenesin: d('R05CA03', 'Guaifenesin 100 mg/5 ml syrup 90 ml', '10 ml', 'TDS', 0),
  lozenges: d('R02AA20', 'Antiseptic throat lozenges', '1 lozenge', 'PRN', 1),
  oseltamivir: d('J05AH02', 'Oseltamivir 75 mg capsule', '1 cap', 'BD', 1),
  amoxicillin: d('J01CA04', 'Amoxicillin 500 mg capsule', '1 cap', 'TDS', 1),
  augmentin: d('J01CR02', 'Amoxicillin/clavulanate 625 mg tablet', '1 tab', 'BD', 1),
  nitrofurantoin: d('J01XE01', 'Nitrofurantoin 100 mg capsule (MR)', '1 cap', 'BD', 1),
  ors: d('A07CA', 'Oral rehydration salts sachet', '1 sachet', 'PRN', 1),
  hyoscine: d('A03BB01', 'Hyoscine butylbromide 10 mg tablet', '1 tab', 'TDS', 1),
  metoclopramide: d('A03FA01', 'Metoclopramide 10 mg tablet', '1 tab', 'TDS', 1),
  omeprazole: d('A02BC01', 'Omeprazole 20 mg capsule', '1 cap', 'OM', 1),
  famotidine: d('A02BA03', 'Famotidine 20 mg tablet', '1 tab', 'BD', 1),
  antacid: d('A02AD01', 'Magnesium trisilicate mixture 200 ml', '10 ml', 'TDS', 0),
  lactulose: d('A06AD11', 'Lactulose 3.35 g/5 ml solution 100 ml', '15 ml', 'ON', 0),
  senna: d('A06AB06', 'Senna 7.5 mg tablet', '2 tabs', 'ON', 2),
  calamine: d('D04AX', 'Calamine lotion 100 ml', 'apply', 'TDS', 0),
  clotrimazole: d('D01AC01', 'Clotrimazole 1% cream 15 g', 'apply', 'BD', 0),
  chloramphenicol: d('S01AA01', 'Chloramphenicol 0.5% eye drops 10 ml', '1 drop', 'TDS', 0),
  earDrops: d('S02DC', 'Sodium bicarbonate 5% ear drops 10 ml', '3 drops', 'TDS', 0),
  cetirizine: d('R06AE07', 'Cetirizine 10 mg tablet', '1 tab', 'ON', 1),
  naproxen: d('M01AE02', 'Naproxen 250 mg tablet', '1 tab', 'BD', 1),
  diclofenac: d('M01AB05', 'Diclofenac 50 mg tablet', '1 tab', 'TDS', 1),
  etoricoxib: d('M01AH05', 'Etoricoxib 90 mg tablet', '1 tab', 'OM', 1),
  diclofenacGel: d('M02AA15', 'Diclofenac 1% gel 20 g', 'apply', 'TDS', 0),
  orphenadrine: d('M03BC51', 'Orphenadrine/paracetamol 35/450 mg tablet', '1 tab', 'TDS', 1),
} as const satisfies Record<string, Drug>;

const D = DRUGS;

/** Maintenance drugs by chronic condition code: one is chosen per condition at a review. */
export const CHRONIC_DRUGS: Readonly<Record<string, readonly Drug[]>> = {
  'E11.9': [D.metformin, D.metformin2, D.gliclazide, D.sitagliptin, D.empagliflozin],
  'E11.2': [D.metformin, D.empagliflozin, D.sitagliptin, D.glargine],
  'E11.3': [D.metformin, D.gliclazide, D.glargine],
  'E11.5': [D.metformin, D.gliclazide, D.empagliflozin],
  I10: [D.amlodipine, D.losartan, D.nifedipine, D.atenolol, D.hctz],
  'E78.5': [D.atorvastatin, D.simvastatin, D.rosuvastatin],
  'E78.0': [D.atorvastatin, D.rosuvastatin],
  'N18.3': [D.losartan, D.bicarbonate],
  'J45.9': [D.symbicort, D.salbutamol],
  'J44.9': [D.tiotropium, D.salbutamol],
  'M17.9': [D.paracetamol, D.diclofenacGel],
  'I25.9': [D.aspirin, D.ismn],
  'I48.9': [D.apixaban, D.bisoprolol],
  'F32.9': [D.sertraline, D.fluoxetine],
  'F41.1': [D.escitalopram, D.sertraline],
  'E03.9': [D.levothyroxine],
  'M81.0': [D.calciumD],
  'I69.4': [D.clopidogrel, D.aspirin],
  'M10.9': [D.allopurinol, D.colchicine],
  'L20.9': [D.emollient, D.hydrocortisone],
  'J30.4': [D.loratadine, D.mometasone],
};

/** Symptomatic drugs by acute condition code: one to three are chosen. */
export const ACUTE_DRUGS: Readonly<Record<string, readonly Drug[]>> = {
  'J06.9': [D.paracetamol, D.chlorphenamine, D.dextromethorphan, D.lozenges],
  J00: [D.paracetamol, D.chlorphenamine, D.loratadine],
  'J02.9': [D.paracetamol, D.lozenges, D.amoxicillin],
  'J11.1': [D.paracetamol, D.oseltamivir, D.chlorphenamine],
  'J20.9': [D.guaifenesin, D.paracetamol, D.augmentin],
  'U07.1': [D.paracetamol, D.chlorphenamine, D.dextromethorphan],
  'A09.9': [D.ors, D.hyoscine, D.metoclopramide],
  A90: [D.paracetamol],
  'B01.9': [D.calamine, D.chlorphenamine, D.paracetamolSyrup],
  'B08.4': [D.paracetamolSyrup, D.lozenges],
  'B35.3': [D.clotrimazole],
  'H10.9': [D.chloramphenicol],
  'H61.2': [D.earDrops],
  'H66.9': [D.amoxicillin, D.paracetamolSyrup],
  'K21.9': [D.omeprazole, D.antacid, D.famotidine],
  'K29.7': [D.omeprazole, D.antacid],
  'K59.0': [D.lactulose, D.senna],
  'L30.9': [D.hydrocortisone, D.cetirizine],
  'M25.5': [D.paracetamol, D.etoricoxib, D.diclofenacGel],
  'M54.5': [D.paracetamol, D.naproxen, D.orphenadrine, D.diclofenacGel],
  'S93.4': [D.paracetamol, D.naproxen, D.diclofenacGel],
  'N39.0': [D.nitrofurantoin, D.paracetamol],
  R05: [D.dextromethorphan, D.guaifenesin],
  'R10.4': [D.hyoscine, D.antacid],
  'R50.9': [D.paracetamol],
  R51: [D.paracetamol, D.naproxen],
  'S61.9': [D.augmentin, D.paracetamol],
  'T14.1': [D.augmentin, D.paracetamol],
  'J45.9': [D.salbutamol, D.paracetamol],
  'M10.9': [D.colchicine, D.naproxen],
  'M17.9': [D.paracetamol, D.diclofenacGel],
};

export interface Procedure {
  code: string;
  name: string;
  /** Subsidised citizen fee; residents and foreigners pay multiples of it. */
  fee: number;
}

const pr = (code: string, name: string, fee: number): Procedure => ({ code, name, fee });

export const PROCEDURES = {
  ecg: pr('ECG12', 'Electrocardiogram, 12-lead', 19.6),
  dfs: pr('DFS', 'Diabetic foot screening', 0),
  drp: pr('DRP', 'Diabetic retinal photography', 0),
  neb: pr('NEB', 'Nebulisation', 12.3),
  dressing: pr('WDRS', 'Wound dressing, simple', 8.9),
  suture: pr('SUT', 'Suturing of laceration', 38.5),
  stoc: pr('STOC', 'Removal of sutures', 8.9),
  ear: pr('EARSY', 'Ear syringing', 14.2),
  flu: pr('VFLU', 'Influenza vaccination', 9.0),
  pcv: pr('VPCV', 'Pneumococcal conjugate vaccination (PCV20)', 0),
  tdap: pr('VTDAP', 'Tdap vaccination', 17.5),
  spiro: pr('SPIRO', 'Spirometry', 24.0),
  capbg: pr('CAPBG', 'Capillary blood glucose', 3.2),
  urine: pr('UDIP', 'Urine dipstick', 3.5),
  injection: pr('IMINJ', 'Intramuscular injection', 6.4),
} as const satisfies Record<string, Procedure>;

export interface LabTest {
  code: string;
  name: string;
  unit: string;
  /** Decimal places the analyser reports (values are printed with 4 places regardless). */
  dp: number;
}

const lab = (code: string, name: string, unit: string, dp: number): LabTest => ({ code, name, unit, dp });

export const LAB_TESTS = {
  HBA1C: lab('HBA1C', 'Haemoglobin A1c', '%', 1),
  FBG: lab('FBG', 'Glucose, fasting', 'mmol/L', 1),
  TC: lab('TC', 'Cholesterol, total', 'mmol/L', 2),
  LDL: lab('LDL', 'LDL cholesterol, calculated', 'mmol/L', 2),
  HDL: lab('HDL', 'HDL cholesterol', 'mmol/L', 2),
  TG: lab('TG', 'Triglycerides', 'mmol/L', 2),
  CREAT: lab('CREAT', 'Creatinine, serum', 'umol/L', 0),
  EGFR: lab('EGFR', 'eGFR (CKD-EPI 2021)', 'mL/min/1.73m2', 0),
  K: lab('K', 'Potassium, serum', 'mmol/L', 1),
  NA: lab('NA', 'Sodium, serum', 'mmol/L', 0),
  UACR: lab('UACR', 'Urine albumin/creatinine ratio', 'mg/mmol', 1),
  ALT: lab('ALT', 'Alanine aminotransferase', 'U/L', 0),
  TSH: lab('TSH', 'Thyroid stimulating hormone', 'mIU/L', 2),
  UA: lab('UA', 'Uric acid', 'umol/L', 0),
  HB: lab('HB', 'Haemoglobin', 'g/dL', 1),
  WBC: lab('WBC', 'White cell count', 'x10^9/L', 1),
  PLT: lab('PLT', 'Platelet count', 'x10^9/L', 0),
} as const satisfies Record<string, LabTest>;

export type LabCode = keyof typeof LAB_TESTS;

/** Reference interval [low, high] (null = open-ended) for a test, by sex. */
export function referenceRange(code: LabCode, male: boolean): [number | null, number | null] {
  switch (code) {
    case 'HBA1C':
      return [4.0, 6.0];
    case 'FBG':
      return [3.9, 6.0];
    case 'TC':
      return [null, 5.2];
    case 'LDL':
      return [null, 3.4];
    case 'HDL':
      return male ? [1.0, null] : [1.3, null];
    case 'TG':
      return [null, 2.2];
    case 'CREAT':
      return male ? [65, 125] : [45, 90];
    case 'EGFR':
      return [60, null];
    case 'K':
      return [3.5, 5.1];
    case 'NA':
      return [135, 145];
    case 'UACR':
      return [null, 3.0];
    case 'ALT':
      return male ? [null, 45] : [null, 35];
    case 'TSH':
      return [0.27, 4.2];
    case 'UA':
      return male ? [200, 420] : [140, 360];
    case 'HB':
      return male ? [13.0, 17.0] : [12.0, 15.5];
    case 'WBC':
      return [4.0, 10.0];
    case 'PLT':
      return [150, 400];
  }
}

type Pair = readonly [string, number];

/** Acute presenting complaints of children under 13, by relative frequency. */
export const CHILD_ACUTE = new Weighted<string>([
  ['J06.9', 30],
  ['J00', 10],
  ['J02.9', 6],
  ['B08.4', 6],
  ['B01.9', 2],
  ['H66.9', 6],
  ['A09.9', 8],
  ['R50.9', 8],
  ['L30.9', 5],
  ['H10.9', 3],
  ['R05', 6],
  ['A90', 1],
  ['S61.9', 2],
] satisfies Pair[]);

/** Acute presenting complaints of adults, by relative frequency. */
export const ADULT_ACUTE = new Weighted<string>([
  ['J06.9', 25],
  ['J00', 5],
  ['J02.9', 5],
  ['J11.1', 3],
  ['J20.9', 3],
  ['U07.1', 2],
  ['A09.9', 5],
  ['A90', 2],
  ['M54.5', 9],
  ['M25.5', 6],
  ['S93.4', 2],
  ['S61.9', 2],
  ['T14.1', 2],
  ['K21.9', 4],
  ['K29.7', 3],
  ['K59.0', 2],
  ['R10.4', 3],
  ['R51', 3],
  ['R05', 4],
  ['R50.9', 3],
  ['H10.9', 2],
  ['H61.2', 3],
  ['L30.9', 3],
  ['B35.3', 2],
  ['N39.0', 3],
] satisfies Pair[]);
