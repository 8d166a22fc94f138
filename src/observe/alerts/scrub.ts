/**
 * The last line of defence before text leaves the machine. Upstream code already redacts error
 * text, and run records never hold cell values, but an alert goes to people and systems outside the
 * data's access list, so every string an alert carries is scrubbed once more: registered secrets
 * (connection passwords, webhook URLs), Singapore NRIC/FIN numbers, and the values a database
 * echoes in its own messages (PostgreSQL `Key (nric)=(S1234567D)`, MySQL `Duplicate entry '…'`).
 */
import { redactSecrets } from '../../config/secret.js';
import type { AlertEvent } from './event.js';

const MASK = '***';

/** Patterns that carry a value, with the part to keep. Each is anchored on the database's own words. */
const VALUE_PATTERNS: [RegExp, string][] = [
  // NRIC / FIN: a prefix letter, seven digits, a checksum letter.
  [/\b[STFGM]\d{7}[A-Z]\b/gi, MASK],
  // PostgreSQL detail: Key (col, col)=(value, value) already exists / is not present.
  [/(Key \([^)]*\)=\()[^)]*(\))/g, `$1${MASK}$2`],
  // MySQL/MariaDB: Duplicate entry 'value' for key …; Incorrect … value: 'value' for column …
  [/(Duplicate entry ')[^']*(')/g, `$1${MASK}$2`],
  [/(value: ')[^']*(')/gi, `$1${MASK}$2`],
  // SQL Server: The duplicate key value is (value).
  [/(duplicate key value is \()[^)]*(\))/gi, `$1${MASK}$2`],
];

/** Longest text of one field; a person reads the report for the rest. */
const MAX_TEXT = 300;

/** Scrub one string: secrets, identifiers and echoed values masked, one line, bounded length. */
export function scrubText(text: string): string {
  let out = redactSecrets(text).replace(/\s*[\r\n]+\s*/g, ' ');
  for (const [pattern, replacement] of VALUE_PATTERNS) out = out.replace(pattern, replacement);
  return out.length > MAX_TEXT ? `${out.slice(0, MAX_TEXT - 1)}…` : out;
}

/** An event with every string field scrubbed. */
export function scrubEvent(event: AlertEvent): AlertEvent {
  const details: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(event.details)) details[k] = typeof v === 'string' ? scrubText(v) : v;
  const opt = (v: string | undefined) => (v === undefined ? undefined : scrubText(v));
  return {
    ...event,
    title: scrubText(event.title),
    run_id: opt(event.run_id),
    job: opt(event.job),
    command: opt(event.command),
    source: opt(event.source),
    report: opt(event.report),
    details,
  };
}
