/**
 * What went wrong with a database, in words an operator can act on. Each dialect maps its driver's
 * error codes to a `FailureKind` (its `failureCodes`); network errors are the same for every driver.
 * The hint follows the kind: a wrong password says "check the password", never "check the template".
 */
import { errorCode } from './dialect.js';

export type FailureKind =
  /** The server refused the credentials. */
  | 'auth'
  /** The database (or SQLite file, or Oracle service) does not exist. */
  | 'unknown-database'
  /** Host unknown, connection refused or timed out. */
  | 'unreachable'
  /** The server rejected the statement: syntax, unknown column or table. */
  | 'query'
  /** The server could not convert a value the statement asked it to (a cast in the template). */
  | 'data'
  /** The account may not read what the template selects. */
  | 'permission'
  /** A statement ran past connections.<name>.statement_timeout. */
  | 'timeout'
  /** A statement tried to write in the read-only session. */
  | 'read-only';

/** Driver error codes (SQLSTATE, errno name or number, ORA-/NJS- code) → kind. */
export type FailureCodes = Readonly<Record<string, FailureKind>>;

const NETWORK: FailureCodes = {
  ECONNREFUSED: 'unreachable',
  ENOTFOUND: 'unreachable',
  EAI_AGAIN: 'unreachable',
  EHOSTUNREACH: 'unreachable',
  ENETUNREACH: 'unreachable',
  ETIMEDOUT: 'unreachable',
};

/** The kind of a driver error, from the dialect's codes, then the network codes every driver shares. */
export function failureKind(codes: FailureCodes | undefined, error: unknown): FailureKind | undefined {
  for (const code of codesOf(error)) {
    const kind = codes?.[code] ?? NETWORK[code];
    if (kind) return kind;
  }
  return undefined;
}

/** Every code an error carries: `code`, `errno`, `number` (tedious), ORA-/NJS- codes in the text. */
function codesOf(error: unknown): string[] {
  if (!error || typeof error !== 'object') return [];
  const e = error as { errno?: unknown; number?: unknown; message?: unknown };
  const found = [errorCode(error)];
  for (const v of [e.errno, e.number]) if (typeof v === 'number') found.push(String(v));
  if (typeof e.message === 'string') found.push(...(e.message.match(/\b(?:NJS|ORA)-\d{3,5}\b/g) ?? []));
  return found.filter((c): c is string => c !== undefined);
}

export interface FailureContext {
  connection: string;
  source?: string;
  template?: string;
}

/** What to do about a failure of this kind, naming the configuration to look at. */
export function failureHint(kind: FailureKind | undefined, c: FailureContext): string | undefined {
  const conn = `connections.${c.connection}`;
  const template = c.template ?? c.source;
  switch (kind) {
    case 'auth':
      return `the server refused the credentials of connection "${c.connection}": check ${conn}.user and its password (set in .env or the environment); \`moh-etl check\` tests it`;
    case 'unknown-database':
      return `connection "${c.connection}" names a database the server does not have: check ${conn}.database (or filename)`;
    case 'unreachable':
      return `cannot reach connection "${c.connection}": check ${conn}.host and port, and the network; \`moh-etl check\` tests it`;
    case 'query':
      return template
        ? `check query template "${template}" in config/queries.yml (\`moh-etl check\` probes every template)`
        : undefined;
    case 'data':
      return `the server could not convert a value selected by template "${template ?? '?'}": check its casts`;
    case 'permission':
      return `the account of connection "${c.connection}" may not read what template "${template ?? '?'}" selects: grant it SELECT`;
    case 'timeout':
      return `a statement ran longer than ${conn}.statement_timeout: raise it, or lower extraction.batch_size`;
    case 'read-only':
      return `template "${template ?? '?'}" tried to write: moh-etl runs every statement read-only, so templates must be plain SELECTs`;
    default:
      return undefined;
  }
}

/**
 * Driver messages can quote the value they failed on (PostgreSQL: `invalid input syntax for type
 * date: "S9805260G"`; MySQL: `Incorrect DATE value: 'S9805260G'`). A cell may be an NRIC, so the
 * quoted value is replaced before the message reaches a log, a run record or the console.
 */
export function withoutQuotedValues(message: string): string {
  return message
    .replace(
      /(for type [\w ]+|value|values?:)(\s*[:=]?\s*)("(?:[^"]|"")*"|'(?:[^']|'')*')/gi,
      '$1$2(value not shown)',
    )
    .replace(/(DETAIL:\s*Key \()([^)]*)(\)=\()([^)]*)(\))/g, '$1$2$3(value not shown)$5');
}
