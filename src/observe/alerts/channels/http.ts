/**
 * POST a JSON body with global fetch, bounded by the caller's signal, and classify the outcome:
 * 408, 429 and 5xx and network errors are worth retrying; other 4xx (a revoked webhook, a bad
 * payload) and redirects are not. Error messages name the status or the network error code only:
 * a webhook URL is a credential and is never part of a message.
 */
import { DeliveryError } from '../channel.js';

/** Body text short and plain enough to be an error code (Slack answers "invalid_token", "no_service"). */
const ERROR_CODE_BODY = /^[\w .:-]{1,60}$/;

export async function postJson(
  url: string,
  body: unknown,
  signal: AbortSignal,
  headers: Record<string, string> = {},
): Promise<void> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
      signal,
      // A webhook that redirects is misconfigured, and following it would resend the headers.
      redirect: 'manual',
    });
  } catch (e) {
    throw networkError(e, signal);
  }
  const text = await response.text().catch(() => '');
  if (response.ok) return;
  const status = response.status;
  if (status >= 300 && status < 400)
    throw new DeliveryError(`redirected (HTTP ${status})`, {
      hint: 'configure the final URL of the webhook',
    });
  const code = ERROR_CODE_BODY.test(text.trim()) ? `: ${text.trim()}` : '';
  const retryable = status === 408 || status === 429 || status >= 500;
  throw new DeliveryError(`HTTP ${status}${code}`, {
    retryable,
    hint: retryable ? undefined : 'the webhook refused the message: check that its URL is current',
  });
}

function networkError(e: unknown, signal: AbortSignal): DeliveryError {
  if (signal.aborted) return new DeliveryError('aborted', { retryable: true, cause: signal.reason });
  // undici reports "fetch failed" with the system error (ECONNREFUSED, ENOTFOUND, …) as the cause.
  const cause = (e as { cause?: { code?: unknown } }).cause;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  return new DeliveryError(code ? `network error (${code})` : 'network error', { retryable: true });
}
