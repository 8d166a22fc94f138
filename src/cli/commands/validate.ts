/**
 * `moh-etl validate`: the data-quality checks alone. With --start-date/--end-date the checks cover
 * that date range (as `extract` would filter it); without, the whole source as it is now.
 */
import { ExitCode, ValidationFailed } from '../../errors.js';
import { runValidate, type ValidationRun } from '../../pipeline/validate-step.js';
import { summaryLines } from '../../validate/report/console.js';
import type { CheckScope } from '../../validate/scope.js';
import { loadContext } from '../context.js';
import { withSession } from '../session.js';
import { resolveRange, resolveSources, type CommonFlags } from '../options.js';
import { shownPath, stdout, type Out } from '../print.js';

export interface ValidateFlags extends CommonFlags {
  sources?: string[];
  startDate?: string;
  endDate?: string;
  /** A date range by name (yesterday, last-7-days, previous-month, …), as for extract and run. */
  range?: string;
}

export async function validateCommand(flags: ValidateFlags, out: Out = stdout): Promise<number> {
  const loaded = loadContext(flags);
  const sources = resolveSources(loaded, flags.sources);
  const range = resolveRange(flags, loaded.config.extraction.timezone);
  const scope: CheckScope = range ? { kind: 'range', range } : { kind: 'full' };
  return withSession(loaded, flags, 'validate', async ({ log }) => {
    const run = await runValidate(
      loaded,
      { sources, scopes: Object.fromEntries(sources.map((s) => [s, scope])) },
      log,
    );
    if (flags.json) {
      out(
        JSON.stringify({
          run_id: run.run_id,
          verdict: run.verdict,
          reports: run.files,
          sources: run.reports,
        }),
      );
      const code =
        run.verdict === 'critical' && loaded.config.validation.stop_on_critical
          ? ExitCode.CriticalValidationFailure
          : run.verdict === 'error' || run.verdict === 'critical'
            ? ExitCode.RunFailure
            : ExitCode.Success;
      return { exitCode: code };
    }
    printValidation(run, out);
    return { exitCode: validationExitCode(run, loaded.config.validation.stop_on_critical) };
  });
}

export function printValidation(run: ValidationRun, out: Out): void {
  out(`Validation ${run.run_id}`);
  for (const line of summaryLines(run.reports)) out(line);
  if (run.unchecked.length)
    out(`note: no checks configured for ${run.unchecked.join(', ')} (validation.sources)`);
  out(
    `Reports: ${shownPath(run.files.directory)}/${run.files.html ? ` (open ${shownPath(run.files.html)})` : ''}`,
  );
}

/**
 * A critical failure (with stop_on_critical) throws ValidationFailed, which main maps to exit 3,
 * naming the check, the source and the observed value. Failed error-severity checks, or a critical
 * one with stop_on_critical off, exit 1. Warnings never change the exit code.
 */
export function validationExitCode(run: ValidationRun, stopOnCritical: boolean): number {
  const first = run.critical[0];
  if (first && stopOnCritical) {
    const c = first.check;
    const more = run.critical.length > 1 ? ` (and ${run.critical.length - 1} more critical failures)` : '';
    throw new ValidationFailed(
      `critical check ${c.id} failed on source "${first.source}": observed ${c.observed.failed} failing of ${c.observed.rows} rows${c.observed.value !== undefined ? ` (value ${c.observed.value})` : ''} — ${c.message}${more}`,
      {
        hint: `see ${shownPath(run.files.html ?? run.files.directory)}; nothing was loaded to data/processed`,
      },
    );
  }
  return run.verdict === 'error' || run.verdict === 'critical' ? ExitCode.RunFailure : ExitCode.Success;
}
