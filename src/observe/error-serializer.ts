/**
 * pino's error serializer, with the message telling each cause once. pino joins an error's message
 * with its causes' ("a: b" becomes "a: b: b" when the error already quotes its cause, as moh-etl's
 * typed errors do when they wrap one), which doubled failure lines in the console and the log files.
 * A cause whose message the text so far already holds is left out; any other is still appended, so
 * a wrapped driver error's own words stay in the line.
 */
import pino from 'pino';

export function serializeError(e: unknown): unknown {
  if (!(e instanceof Error)) return e;
  const out = pino.stdSerializers.err(e);
  out.message = messageWithNewCauses(e);
  return out;
}

export function messageWithNewCauses(e: Error): string {
  let message = e.message;
  const seen = new Set<unknown>([e]);
  for (let cause = e.cause; cause instanceof Error && !seen.has(cause); cause = cause.cause) {
    seen.add(cause);
    if (cause.message && !message.includes(cause.message)) message += `: ${cause.message}`;
  }
  return message;
}
