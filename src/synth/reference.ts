/**
 * Reference data: Singapore's public polyclinics and the ICD-10 conditions seen in primary care.
 * Postal codes are plausible for the district, not the clinics' real addresses.
 */

export type Region = 'Central' | 'North' | 'North-East' | 'East' | 'West';
export type Cluster = 'NHG Polyclinics' | 'SingHealth Polyclinics' | 'National University Polyclinics';

export interface Polyclinic {
  code: string;
  name: string;
  region: Region;
  cluster: Cluster;
  postalCode: string;
  openedDate: string | null;
  /** Relative daily volume. */
  weight: number;
  /** Two-digit postal sectors the clinic's patients mostly live in. */
  sectors: readonly string[];
}

const NHG: Cluster = 'NHG Polyclinics';
const SHP: Cluster = 'SingHealth Polyclinics';
const NUP: Cluster = 'National University Polyclinics';

const p = (
  code: string,
  name: string,
  region: Region,
  cluster: Cluster,
  postalCode: string,
  openedDate: string | null,
  weight: number,
  sectors: string[],
): Polyclinic => ({ code, name, region, cluster, postalCode, openedDate, weight, sectors });

export const POLYCLINICS: readonly Polyclinic[] = [
  p('AMK', 'Ang Mo Kio Polyclinic', 'North-East', NHG, '569666', '1985-07-01', 6, ['56', '57']),
  p('GYL', 'Geylang Polyclinic', 'Central', NHG, '389707', '1983-05-02', 4, ['38', '39', '40']),
  p('HGN', 'Hougang Polyclinic', 'North-East', NHG, '538829', '1999-11-01', 5, ['53', '54']),
  p('KLG', 'Kallang Polyclinic', 'Central', NHG, '339336', '2024-10-28', 3, ['32', '33', '20']),
  p('KTB', 'Khatib Polyclinic', 'North', NHG, '769090', '2023-08-14', 3, ['76']),
  p('TPY', 'Toa Payoh Polyclinic', 'Central', NHG, '319968', '1971-02-01', 5, ['31', '30', '57']),
  p('WDL', 'Woodlands Polyclinic', 'North', NHG, '738597', '1992-04-06', 6, ['73', '72']),
  p('YSN', 'Yishun Polyclinic', 'North', NHG, '760763', '1987-09-01', 5, ['76', '75']),
  p('BDK', 'Bedok Polyclinic', 'East', SHP, '469662', '1983-01-03', 5, ['46', '47', '48']),
  p('BKM', 'Bukit Merah Polyclinic', 'Central', SHP, '150163', '1982-06-01', 4, ['15', '16', '09']),
  p('EUN', 'Eunos Polyclinic', 'East', SHP, '409051', '2023-10-16', 3, ['40', '41', '42']),
  p('MRP', 'Marine Parade Polyclinic', 'Central', SHP, '440080', '1985-03-04', 4, ['44', '43', '42']),
  p('OTR', 'Outram Polyclinic', 'Central', SHP, '169608', '1965-09-01', 4, ['16', '08', '01', '05']),
  p('PSR', 'Pasir Ris Polyclinic', 'East', SHP, '518457', '1997-10-01', 5, ['51', '50']),
  p('PGL', 'Punggol Polyclinic', 'North-East', SHP, '828729', '2017-12-11', 6, ['82', '83']),
  p('SKG', 'Sengkang Polyclinic', 'North-East', SHP, '545025', '2002-03-18', 6, ['54', '79']),
  p('TMP', 'Tampines Polyclinic', 'East', SHP, '529203', '1988-02-01', 5, ['52']),
  p('TPN', 'Tampines North Polyclinic', 'East', SHP, '528559', '2024-06-24', 3, ['52', '51']),
  p('BBT', 'Bukit Batok Polyclinic', 'West', NUP, '659164', '1991-08-01', 5, ['65', '66']),
  p('BPJ', 'Bukit Panjang Polyclinic', 'West', NUP, '679938', '2023-04-03', 4, ['67', '68']),
  p('CCK', 'Choa Chu Kang Polyclinic', 'West', NUP, '689934', '1996-05-02', 5, ['68', '69']),
  p('CLE', 'Clementi Polyclinic', 'West', NUP, '120451', '1986-06-02', 4, ['12', '13']),
  p('JRG', 'Jurong Polyclinic', 'West', NUP, '609606', '1980-03-01', 5, ['60', '61']),
  p('PNR', 'Pioneer Polyclinic', 'West', NUP, '649037', '2017-06-05', 5, ['64', '63', '62']),
  p('QTN', 'Queenstown Polyclinic', 'Central', NUP, '141580', '1963-06-01', 4, ['14', '10', '11']),
];

export interface Condition {
  code: string;
  description: string;
  category: string;
  chronic: boolean;
}

const INFECT = 'Certain infectious and parasitic diseases';
const ENDO = 'Endocrine, nutritional and metabolic diseases';
const MENTAL = 'Mental and behavioural disorders';
const NERV = 'Diseases of the nervous system';
const EYE = 'Diseases of the eye and adnexa';
const EAR = 'Diseases of the ear and mastoid process';
const CIRC = 'Diseases of the circulatory system';
const RESP = 'Diseases of the respiratory system';
const DIGEST = 'Diseases of the digestive system';
const SKIN = 'Diseases of the skin and subcutaneous tissue';
const MSK = 'Diseases of the musculoskeletal system and connective tissue';
const GU = 'Diseases of the genitourinary system';
const SYMPT = 'Symptoms, signs and abnormal clinical and laboratory findings, not elsewhere classified';
const INJURY = 'Injury, poisoning and certain other consequences of external causes';
const FACTORS = 'Factors influencing health status and contact with health services';
const SPECIAL = 'Codes for special purposes';

const cond = (code: string, description: string, category: string, chronic: boolean): Condition => ({
  code,
  description,
  category,
  chronic,
});

export const CONDITIONS: readonly Condition[] = [
  cond('A09.9', 'Gastroenteritis and colitis of unspecified origin', INFECT, false),
  cond('A90', 'Dengue fever [classical dengue]', INFECT, false),
  cond('B01.9', 'Varicella without complication', INFECT, false),
  cond(
    'B08.4',
    'Enteroviral vesicular stomatitis with exanthem (hand, foot and mouth disease)',
    INFECT,
    false,
  ),
  cond('B35.3', 'Tinea pedis', INFECT, false),
  cond('E03.9', 'Hypothyroidism, unspecified', ENDO, true),
  cond('E11.2', 'Type 2 diabetes mellitus with renal complications', ENDO, true),
  cond('E11.3', 'Type 2 diabetes mellitus with ophthalmic complications', ENDO, true),
  cond('E11.5', 'Type 2 diabetes mellitus with peripheral circulatory complications', ENDO, true),
  cond('E11.9', 'Type 2 diabetes mellitus without complications', ENDO, true),
  cond('E66.9', 'Obesity, unspecified', ENDO, true),
  cond('E78.0', 'Pure hypercholesterolaemia', ENDO, true),
  cond('E78.5', 'Hyperlipidaemia, unspecified', ENDO, true),
  cond('F32.9', 'Depressive episode, unspecified', MENTAL, true),
  cond('F41.1', 'Generalized anxiety disorder', MENTAL, true),
  cond('G47.3', 'Sleep apnoea', NERV, true),
  cond('H10.9', 'Conjunctivitis, unspecified', EYE, false),
  cond('H61.2', 'Impacted cerumen', EAR, false),
  cond('H66.9', 'Otitis media, unspecified', EAR, false),
  cond('I10', 'Essential (primary) hypertension', CIRC, true),
  cond('I25.9', 'Chronic ischaemic heart disease, unspecified', CIRC, true),
  cond('I48.9', 'Atrial fibrillation and atrial flutter, unspecified', CIRC, true),
  cond('I69.4', 'Sequelae of stroke, not specified as haemorrhage or infarction', CIRC, true),
  cond('J00', 'Acute nasopharyngitis [common cold]', RESP, false),
  cond('J02.9', 'Acute pharyngitis, unspecified', RESP, false),
  cond('J06.9', 'Acute upper respiratory infection, unspecified', RESP, false),
  cond('J11.1', 'Influenza with other respiratory manifestations, virus not identified', RESP, false),
  cond('J20.9', 'Acute bronchitis, unspecified', RESP, false),
  cond('J30.4', 'Allergic rhinitis, unspecified', RESP, true),
  cond('J44.9', 'Chronic obstructive pulmonary disease, unspecified', RESP, true),
  cond('J45.9', 'Asthma, unspecified', RESP, true),
  cond('K21.9', 'Gastro-oesophageal reflux disease without oesophagitis', DIGEST, false),
  cond('K29.7', 'Gastritis, unspecified', DIGEST, false),
  cond('K59.0', 'Constipation', DIGEST, false),
  cond('L20.9', 'Atopic dermatitis, unspecified', SKIN, true),
  cond('L30.9', 'Dermatitis, unspecified', SKIN, false),
  cond('M10.9', 'Gout, unspecified', MSK, true),
  cond('M17.9', 'Gonarthrosis, unspecified', MSK, true),
  cond('M25.5', 'Pain in joint', MSK, false),
  cond('M54.5', 'Low back pain', MSK, false),
  cond('M81.0', 'Postmenopausal osteoporosis', MSK, true),
  cond('N18.3', 'Chronic kidney disease, stage 3', GU, true),
  cond('N39.0', 'Urinary tract infection, site not specified', GU, false),
  cond('R05', 'Cough', SYMPT, false),
  cond('R10.4', 'Other and unspecified abdominal pain', SYMPT, false),
  cond('R50.9', 'Fever, unspecified', SYMPT, false),
  cond('R51', 'Headache', SYMPT, false),
  cond('R73.0', 'Abnormal glucose tolerance test (prediabetes)', SYMPT, true),
  cond('S61.9', 'Open wound of wrist and hand, part unspecified', INJURY, false),
  cond('S93.4', 'Sprain and strain of ankle', INJURY, false),
  cond('T14.1', 'Open wound of unspecified body region', INJURY, false),
  cond('U07.1', 'COVID-19, virus identified', SPECIAL, false),
  cond('Z00.0', 'General medical examination', FACTORS, false),
  cond('Z13.1', 'Special screening examination for diabetes mellitus', FACTORS, false),
  cond('Z23.8', 'Need for immunization against other single bacterial diseases', FACTORS, false),
  cond('Z25.1', 'Need for immunization against influenza', FACTORS, false),
  cond('Z71.3', 'Dietary counselling and surveillance', FACTORS, false),
];

/**
 * Chronic conditions a patient can carry, by bit position in the patient's chronic mask.
 * The diabetes variants (bits 0-3) are mutually exclusive, as are bits 5 and 6, and 23 excludes 0-3.
 */
export const CHRONIC_CODES = [
  'E11.9',
  'E11.2',
  'E11.3',
  'E11.5',
  'I10',
  'E78.5',
  'E78.0',
  'N18.3',
  'J45.9',
  'J44.9',
  'E66.9',
  'M17.9',
  'I25.9',
  'I48.9',
  'F32.9',
  'F41.1',
  'E03.9',
  'M81.0',
  'G47.3',
  'I69.4',
  'M10.9',
  'L20.9',
  'J30.4',
  'R73.0',
] as const;

export const DIABETES_MASK = 0b1111;
export const LIPID_MASK = 0b110_0000;
