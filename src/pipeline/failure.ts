/**
 * One failed source in one line and one hint, whatever failed: our own typed errors keep their
 * message and hint; file-system errors say what happened to which path; driver errors are
 * classified by the dialect (wrong password, unknown column, timeout…) and lose any quoted value.
 */
import { redactSecrets } from '../config/secret.js';
import type { Dialect } from '../db/dialect.js';
import { failureHint, failureKind, withoutQuotedValues, type FailureContext } from '../db/failure.js';
import { ConfigError, isMohEtlError, SourceError, type MohEtlError } from '../errors.js';
import { fsErrorCode, outputFailure } from '../write/fs-failure.js';

export interface DescribedFailure {
  message: string;
  hint?: string;
  /** The dialect's transient classification: a retry (the next run) may succeed. */
  transient: boolean;
}

export function describeFailure(
  e: unknown,
  context: FailureContext,
  dialect: Dialect | undefined,
): DescribedFailure {
  const clean = (m: string) => withoutQuotedValues(redactSecrets(m));
  if (isMohEtlError(e)) return { message: clean(e.message), hint: e.hint, transient: e.retryable };
  const path = (e as NodeJS.ErrnoException | undefined)?.path;
  if (fsErrorCode(e) && path && !dialect?.failureCodes?.[fsErrorCode(e)!]) {
    const out = outputFailure(e, 'write', path);
    return { message: clean(out.message), hint: isMohEtlError(out) ? out.hint : undefined, transient: false };
  }
  const message = clean(e instanceof Error ? e.message : String(e));
  const transient = dialect?.isTransient(e) ?? false;
  const kind = failureKind(dialect?.failureCodes, e);
  const hint =
    failureHint(kind, context) ??
    (transient
      ? `the connection "${context.connection}" failed after every retry; \`moh-etl check\` tests it`
      : 'see logs/extraction.log; `moh-etl check` tests every connection and template');
  return { message, hint, transient };
}

/**
 * A failure as the error a command reports: the server rejecting a template is a configuration
 * problem (exit 2, naming the template and the server's message); anything else about the
 * connection is a SourceError (exit 1) with the hint that fits it.
 */
export function asUserError(
  e: unknown,
  context: FailureContext & { queriesFile: string },
  dialect: Dialect | undefined,
): MohEtlError {
  if (isMohEtlError(e)) return e;
  const described = describeFailure(e, context, dialect);
  const kind = failureKind(dialect?.failureCodes, e);
  if ((kind === 'query' || kind === 'data') && context.template) {
    return new ConfigError(
      [
        {
          file: context.queriesFile,
          path: context.template,
          message: `the server rejected this template: ${described.message}`,
        },
      ],
      { hint: described.hint },
    );
  }
  return new SourceError(described.message, {
    hint: described.hint,
    retryable: described.transient,
    source: context.source,
    cause: e,
  });
}
