/**
 * Typed errors, in the three-layer scheme of docs/ARCHITECTURE.md: library code throws these,
 * commands turn them into one readable message, and `cli/main.ts` maps them to exit codes.
 * Every error says whether retrying can help (`retryable`) and what the user should do (`hint`).
 */

/** Exit codes are part of the CLI contract (docs/DATA_EXTRACTION_GUIDE.md, "Exit codes"). */
export const ExitCode = {
  Success: 0,
  RunFailure: 1,
  UsageError: 2,
  CriticalValidationFailure: 3,
  /** Stopped by SIGINT (128 + 2): committed work is kept, the next run resumes. */
  InterruptedBySigint: 130,
  /** Stopped by SIGTERM (128 + 15): committed work is kept, the next run resumes. */
  InterruptedBySigterm: 143,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export interface MohEtlErrorOptions {
  hint?: string;
  retryable?: boolean;
  cause?: unknown;
}

export abstract class MohEtlError extends Error {
  abstract readonly code: string;
  abstract readonly exitCode: ExitCode;
  readonly hint: string | undefined;
  readonly retryable: boolean;

  constructor(message: string, options: MohEtlErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.hint = options.hint;
    this.retryable = options.retryable ?? false;
  }
}

/** One problem in a configuration file, located by file and key path. */
export interface ConfigProblem {
  file: string;
  path: string;
  message: string;
  line?: number;
}

export function formatProblem(p: ConfigProblem): string {
  const where = p.line === undefined ? p.file : `${p.file}:${p.line}`;
  return p.path ? `${where} ${p.path}: ${p.message}` : `${where}: ${p.message}`;
}

/** Configuration is missing or invalid. Carries every problem found, not just the first. */
export class ConfigError extends MohEtlError {
  readonly code = 'CONFIG_INVALID';
  readonly exitCode = ExitCode.UsageError;
  readonly problems: ConfigProblem[];

  constructor(problems: ConfigProblem[], options: MohEtlErrorOptions = {}) {
    const head =
      problems.length === 1 ? formatProblem(problems[0]!) : `${problems.length} configuration problems`;
    super(head, options);
    this.problems = problems;
  }
}

/** A command-line flag or argument is wrong. */
export class UsageError extends MohEtlError {
  readonly code = 'USAGE';
  readonly exitCode = ExitCode.UsageError;
}

/** Talking to a source database failed. `retryable` is set by the dialect's error classifier. */
export class SourceError extends MohEtlError {
  readonly code = 'SOURCE';
  readonly exitCode = ExitCode.RunFailure;
  readonly source: string | undefined;

  constructor(message: string, options: MohEtlErrorOptions & { source?: string } = {}) {
    super(message, options);
    this.source = options.source;
  }
}

/** Writing output failed (disk full, permissions). */
export class OutputError extends MohEtlError {
  readonly code = 'OUTPUT';
  readonly exitCode = ExitCode.RunFailure;
}

/** Rows written and rows in the source disagree. Never retryable: something changed underneath. */
export class ReconciliationError extends MohEtlError {
  readonly code = 'RECONCILIATION';
  readonly exitCode = ExitCode.RunFailure;
}

/** A state file under extraction.state_dir is unreadable (hand-edited, truncated by a full disk). */
export class StateError extends MohEtlError {
  readonly code = 'STATE';
  readonly exitCode = ExitCode.RunFailure;
}

/** Another process is extracting the same source; retry once it has finished. */
export class SourceBusy extends MohEtlError {
  readonly code = 'SOURCE_BUSY';
  readonly exitCode = ExitCode.RunFailure;
}

/**
 * A connection's database driver is not installed: the SQL Server, Oracle and MySQL drivers are
 * optional peer dependencies. A setup problem like a configuration mistake (exit 2): nothing ran,
 * and running again cannot help until the package named in the hint is installed.
 */
export class DriverMissing extends MohEtlError {
  readonly code = 'DRIVER_MISSING';
  readonly exitCode = ExitCode.UsageError;
  /** The npm package that is missing, e.g. `tedious`. */
  readonly driver: string;

  constructor(message: string, driver: string, options: MohEtlErrorOptions = {}) {
    super(message, options);
    this.driver = driver;
  }
}

/** A critical data-quality check failed; the pipeline stopped before loading. */
export class ValidationFailed extends MohEtlError {
  readonly code = 'VALIDATION_FAILED';
  readonly exitCode = ExitCode.CriticalValidationFailure;
}

/**
 * The run was asked to stop (SIGINT/SIGTERM, or a library caller's AbortSignal). It stopped at a
 * safe point: the current part was committed and checkpointed, so the next run resumes there.
 */
export class RunInterrupted extends MohEtlError {
  readonly code = 'INTERRUPTED';
  readonly exitCode: ExitCode;

  constructor(message: string, signal?: string, options: MohEtlErrorOptions = {}) {
    super(message, { retryable: true, hint: 'run the same command again to resume', ...options });
    this.exitCode = signal === 'SIGINT' ? ExitCode.InterruptedBySigint : ExitCode.InterruptedBySigterm;
  }
}

export function isMohEtlError(e: unknown): e is MohEtlError {
  return e instanceof MohEtlError;
}
