/**
 * A command line fit for the audit log: registered secret values scrubbed, the value of any flag
 * whose name suggests a credential replaced, and passwords inside URLs masked. moh-etl takes no
 * secret on its command line today; this is for the day someone passes one anyway.
 * Flags whose value may hold data — a watermark (patient_id=…), an ad-hoc query, its WHERE clause
 * or parameters — are written as a digest: the audit can still tell two commands apart, and match
 * a value someone holds, without holding the value.
 */
import { createHash } from 'node:crypto';
import { redactSecrets } from '../config/secret.js';

/** Flag names whose value is treated as a secret: --password, --db-url, --api-token, --key … */
const SECRET_FLAG = /^--?[\w-]*(pass|secret|token|key|url|dsn|credential|auth)[\w-]*$/i;
/** Flags whose value may be a cell value or hold one. */
const DATA_FLAG = /^--(watermark|param|where|sql|select)$/;
/** scheme://user:password@host — the password part. */
const URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)[^\s@/]*@/gi;

export function redactArgv(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    if (arg.startsWith('-') && eq > 0 && DATA_FLAG.test(arg.slice(0, eq))) {
      out.push(`${arg.slice(0, eq)}=${digest(arg.slice(eq + 1))}`);
    } else if (DATA_FLAG.test(arg) && i + 1 < argv.length) {
      out.push(arg, digest(argv[i + 1]!));
      i++;
    } else if (arg.startsWith('-') && eq > 0 && SECRET_FLAG.test(arg.slice(0, eq))) {
      out.push(`${arg.slice(0, eq)}=***`);
    } else if (SECRET_FLAG.test(arg) && i + 1 < argv.length && !argv[i + 1]!.startsWith('-')) {
      out.push(arg, '***');
      i++;
    } else {
      out.push(redactSecrets(arg).replace(URL_PASSWORD, '$1***@'));
    }
  }
  return out;
}

function digest(value: string): string {
  return `sha256:${createHash('sha256').update(value).digest('hex').slice(0, 16)}`;
}
