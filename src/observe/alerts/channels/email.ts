/**
 * E-mail over SMTP with nodemailer: plain text, STARTTLS required by default (`require_tls`), and
 * every wait bounded — connecting, the server's greeting, each socket read — by `alerts.timeout`,
 * so an unreachable or silent relay costs a run seconds, never a hang. One connection per message
 * (no pool): a pool's idle connection would keep a finished CLI process alive.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import nodemailer from 'nodemailer';
import type { EmailChannelConfig } from '../../../config/alerts-schema.js';
import { DeliveryError, type ChannelContext, type ChannelSpec } from '../channel.js';
import { renderText, type AlertMessage } from '../message.js';
import { scrubText } from '../scrub.js';

/** The slice of a nodemailer transport we use. */
interface MailTransport {
  sendMail(mail: {
    from: string;
    to: string[];
    subject: string;
    text: string;
    headers: Record<string, string>;
  }): Promise<unknown>;
}

export function emailSubject(prefix: string, m: AlertMessage): string {
  const subject = `${prefix ? `${prefix} ` : ''}${m.severity.toUpperCase()}: ${m.title}`;
  return subject.length > 200 ? `${subject.slice(0, 199)}…` : subject;
}

export const emailChannel: ChannelSpec<EmailChannelConfig> = {
  type: 'email',
  create: (name, config, context) => {
    let transport: MailTransport | undefined;
    return {
      name,
      type: 'email',
      async send(m, signal) {
        transport ??= createTransport(config, context);
        const sending = transport.sendMail({
          from: config.from,
          to: config.to,
          subject: emailSubject(config.subject_prefix, m),
          text: renderText(m),
          headers: { 'X-Moh-Etl-Severity': m.severity },
        });
        await untilAborted(sending, signal).catch((e: unknown) => {
          throw e instanceof DeliveryError ? e : smtpError(e);
        });
      },
    };
  },
};

function createTransport(config: EmailChannelConfig, context: ChannelContext): MailTransport {
  const { smtp } = config;
  let ca: string | undefined;
  if (smtp.tls.ca_file) {
    try {
      ca = readFileSync(path.resolve(context.root, smtp.tls.ca_file), 'utf8');
    } catch (e) {
      throw new DeliveryError(
        `cannot read smtp.tls.ca_file (${(e as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
  }
  return nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    requireTLS: smtp.require_tls,
    auth: smtp.user ? { user: smtp.user, pass: smtp.password?.reveal() } : undefined,
    connectionTimeout: context.timeoutMs,
    greetingTimeout: context.timeoutMs,
    socketTimeout: context.timeoutMs,
    dnsTimeout: context.timeoutMs,
    tls: {
      rejectUnauthorized: smtp.tls.reject_unauthorized,
      ...(ca ? { ca } : {}),
      ...(smtp.tls.servername ? { servername: smtp.tls.servername } : {}),
    },
    // nodemailer logs nothing unless asked; keep it so (its debug output would include the AUTH exchange).
    logger: false,
    debug: false,
  });
}

/**
 * nodemailer takes no AbortSignal: give up waiting when the signal aborts. The abandoned attempt
 * ends by itself within `socketTimeout`.
 */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  work.catch(() => undefined); // an abandoned attempt's later failure is not unhandled
  if (signal.aborted) return Promise.reject(new DeliveryError('aborted', { retryable: true }));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new DeliveryError('aborted', { retryable: true }));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** Permanent: authentication, TLS, a 5xx reply. Transient: network, timeouts, a 4xx reply. */
const PERMANENT_CODES = new Set(['EAUTH', 'ETLS', 'EENVELOPE', 'EMESSAGE', 'EPROTOCOL', 'ENOAUTH']);
/** nodemailer reports a failed certificate check as a socket error (ESOCKET) with Node's TLS message. */
const CERTIFICATE = /certificate|self[- ]signed|unable to verify|altnames|does not match/i;

function smtpError(e: unknown): DeliveryError {
  const err = e as { code?: unknown; responseCode?: unknown; message?: unknown };
  const code = typeof err.code === 'string' ? err.code : undefined;
  const reply = typeof err.responseCode === 'number' ? err.responseCode : undefined;
  const text = typeof err.message === 'string' ? scrubText(err.message) : 'unknown error';
  const untrusted = CERTIFICATE.test(text);
  const retryable = reply !== undefined ? reply < 500 : !untrusted && !(code && PERMANENT_CODES.has(code));
  const tag = [code, reply].filter((x) => x !== undefined).join(' ');
  return new DeliveryError(`SMTP${tag ? ` ${tag}` : ''}: ${text}`, {
    retryable,
    hint:
      code === 'EAUTH'
        ? 'check alerts smtp user and password'
        : untrusted
          ? "the relay's certificate is not trusted: set smtp.tls.ca_file to its CA"
          : undefined,
  });
}
