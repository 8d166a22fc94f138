/**
 * The transform's typed errors. Both are configuration mistakes found before any row is read (exit
 * 2, never retryable: the same config and environment fail the same way).
 */
import { ExitCode, MohEtlError, type ConfigProblem, type MohEtlErrorOptions } from '../errors.js';

/** Where in `transform:` a problem is, for the message and for the lead's ConfigProblem. */
export interface TransformSite {
  source: string;
  /** The step as written in messages: "steps[2] (icd10)" or "pii.nric". */
  step: string;
  /** Key path under the config root: ['transform', 'sources', source, 'steps', '2', 'columns']. */
  path: string[];
  column?: string;
}

/**
 * A transform that cannot run on the columns the query returns: a step names a column that does not
 * exist or has the wrong type, a derived name is taken, or (profile `deidentified`) a PII column has
 * no policy. Names source, step and column; never a value.
 */
export class TransformConfigError extends MohEtlError {
  readonly code = 'TRANSFORM_CONFIG';
  readonly exitCode = ExitCode.UsageError;
  readonly source: string;
  readonly step: string;
  readonly column: string | undefined;
  readonly path: string[];
  /** What is wrong, without the location. */
  readonly problem: string;

  constructor(site: TransformSite, problem: string, options: MohEtlErrorOptions = {}) {
    const column = site.column === undefined ? '' : `, column "${site.column}"`;
    super(`transform of source "${site.source}", ${site.step}${column}: ${problem}`, {
      hint: `fix transform.sources.${site.source} in the configuration, or the source's query`,
      ...options,
    });
    this.source = site.source;
    this.step = site.step;
    this.column = site.column;
    this.path = site.path;
    this.problem = problem;
  }

  /** The same problem as a ConfigProblem of `file` (line: from the lead's `lineOf(src, path)`). */
  toProblem(file: string, line?: number): ConfigProblem {
    const column = this.column === undefined ? '' : `column "${this.column}": `;
    const problem: ConfigProblem = { file, path: this.path.join('.'), message: column + this.problem };
    if (line !== undefined) problem.line = line;
    return problem;
  }
}

/** The pseudonymisation key is missing from the environment or too short. Names the variable only. */
export class PseudonymKeyError extends MohEtlError {
  readonly code = 'PSEUDONYM_KEY';
  readonly exitCode = ExitCode.UsageError;
  readonly variable: string;

  constructor(variable: string, problem: string) {
    super(`the pseudonymisation key ${variable} ${problem}`, {
      hint:
        `set ${variable} in the environment or .env to a random secret of at least 32 characters ` +
        `(e.g. the output of "openssl rand -hex 32"), the same for every run so tokens stay joinable`,
    });
    this.variable = variable;
  }
}
