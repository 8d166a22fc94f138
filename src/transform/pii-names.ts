/**
 * The default list of column names that hold personal data, shared by the transform's
 * `deidentified` profile and validation masking, so that every source is judged the same way
 * whatever its `pii_columns` say. A name is split into lower-case words (`patient_name`,
 * `patientName` and `PATIENT-NAME` are all `patient name`) and judged by its words, not by
 * substrings: `name` alone, or `name` after a word about a person, is a person's name, while
 * `drug_name`, `test_name`, `procedure_name` and `polyclinic_name` name things.
 *
 * A false positive costs one line of config (an explicit `keep`); a false negative leaks
 * identities; so the patterns lean towards flagging (a bare `name`, which in `polyclinics` is the
 * clinic's name, is flagged). Staff names (`doctor_name`) are not patients' identities and are not
 * flagged: list them in a source's `pii_columns` if the output must not carry them.
 */

/** What kind of personal data a column name suggests. */
export type PiiCategory =
  'name' | 'phone' | 'address' | 'email' | 'identifier' | 'birth_date' | 'postal_code';

/** One default pattern: a category and a test on the name's words. */
export interface PiiNamePattern {
  category: PiiCategory;
  /** What the pattern covers, for documentation and `--help` output. */
  description: string;
  matches(words: readonly string[]): boolean;
}

/** A vocabulary written as one space-separated string (prettier would put a list one word a line). */
const set = (words: string): ReadonlySet<string> => new Set(words.split(' '));

/** Words that, before `name`, `id`, `no` and the like, make the column about a person. */
const PERSON = set(
  'patient person full first last given family middle maiden preferred legal nok kin contact ' +
    'caregiver guardian mother father parent spouse member resident citizen child baby informant alias nick',
);
const NAME = set('name names');
const NAME_WORDS = set('surname forename forenames firstname lastname fullname givenname nickname');
const ID_SUFFIX = set('id ids no num number nbr key uuid guid ref');
const NUMBER = set('no num number nbr');
const PHONE = set('phone phones mobile telephone handphone fax cellphone phoneno mobileno telno msisdn');
/** Phone abbreviations that are also ordinary syllables: flagged only alone or with an id word. */
const SHORT_PHONE = set('tel hp');
const ADDRESS = set('address addr street addressline address1 address2 address3');
const EMAIL = set('email emails mail emailaddress email1 email2');
const IDENTITY = set('nric passport mrn ssn identity identification nationalid birthcert');
/** Identity-document abbreviations that are also ordinary syllables (`fin_year`): likewise. */
const SHORT_IDENTITY = set('fin uin ic nid wp');
const BIRTH_DATE = set('dob birthdate birthday dateofbirth birthdt');
const DATE_WORDS = set('date dt day');
const POSTAL = set('postal postcode postalcode zip zipcode pincode');

const has = (words: readonly string[], vocabulary: ReadonlySet<string>): boolean =>
  words.some((w) => vocabulary.has(w));

/** Only words of `short` and id words, with at least one of `short`: `fin`, `fin_no`, `hp_no`. */
const abbreviation = (words: readonly string[], short: ReadonlySet<string>): boolean =>
  has(words, short) && words.every((w) => short.has(w) || ID_SUFFIX.has(w));

/** A word of `vocabulary` right after a word about a person: `patient_id`, `first_name`. */
const afterPerson = (words: readonly string[], vocabulary: ReadonlySet<string>): boolean =>
  words.some((w, i) => i > 0 && vocabulary.has(w) && PERSON.has(words[i - 1]!));

/** The default patterns, in the order their categories are reported. */
export const DEFAULT_PII_PATTERNS: readonly PiiNamePattern[] = [
  {
    category: 'name',
    description: '`name` alone, `<person>_name` (patient_name, first_name, nok_name), surname, full name',
    matches: (w) => has(w, NAME_WORDS) || (w.length === 1 && w[0] === 'name') || afterPerson(w, NAME),
  },
  {
    category: 'phone',
    description: 'phone, mobile, telephone, fax, handphone, tel / hp alone or with no, contact_no',
    matches: (w) =>
      has(w, PHONE) || abbreviation(w, SHORT_PHONE) || (w.includes('contact') && has(w, NUMBER)),
  },
  { category: 'email', description: 'email, e_mail, mail', matches: (w) => has(w, EMAIL) },
  { category: 'address', description: 'address, addr, street', matches: (w) => has(w, ADDRESS) },
  {
    category: 'identifier',
    description:
      'nric, passport, mrn, identity; fin / uin / ic alone or with id/no; <person>_id (patient_id, person_id)',
    matches: (w) => has(w, IDENTITY) || abbreviation(w, SHORT_IDENTITY) || afterPerson(w, ID_SUFFIX),
  },
  {
    category: 'birth_date',
    description: 'dob, date_of_birth, birth_date, birthday',
    matches: (w) => has(w, BIRTH_DATE) || (w.includes('birth') && has(w, DATE_WORDS)),
  },
  { category: 'postal_code', description: 'postal_code, postcode, zip', matches: (w) => has(w, POSTAL) },
];

/** The lower-case words of a column name: split at `_`, `-`, spaces, dots and camelCase humps. */
export function nameWords(column: string): string[] {
  return column
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 0);
}

/** The category of personal data a column name suggests, or undefined for an ordinary column. */
export function piiCategory(column: string): PiiCategory | undefined {
  const words = nameWords(column);
  return DEFAULT_PII_PATTERNS.find((p) => p.matches(words))?.category;
}

/**
 * The PII columns of a source: its explicit `pii_columns` (whether or not the query returns them)
 * plus every column name that matches the default patterns, in that order without repeats.
 */
export function piiColumns(sourcePiiColumns: readonly string[], columnNames: readonly string[]): string[] {
  const out = new Set(sourcePiiColumns);
  for (const name of columnNames) if (piiCategory(name) !== undefined) out.add(name);
  return [...out];
}
