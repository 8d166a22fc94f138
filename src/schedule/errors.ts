/**
 * The scheduler's own error. It belongs with the others in src/errors.ts once the lead merges the
 * room; it extends the same base, so `cli/main.ts` maps it without changes.
 */
import { ExitCode, MohEtlError } from '../errors.js';

/** Another scheduler already runs for this project; a second one would run every job twice. */
export class SchedulerBusy extends MohEtlError {
  readonly code = 'SCHEDULER_BUSY';
  readonly exitCode = ExitCode.RunFailure;
}
