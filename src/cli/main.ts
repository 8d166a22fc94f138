/**
 * The one place that maps outcomes to exit codes. A user mistake (MohEtlError) prints one line and
 * a hint, never a stack trace; anything else is a bug, printed with its stack and a request to
 * report it. Every line passes through the secret redactor.
 */
import { CommanderError } from 'commander';
import { redactSecrets } from '../config/secret.js';
import { ConfigError, ExitCode, formatProblem, isMohEtlError } from '../errors.js';
import { buildProgram } from './program.js';

export async function main(argv: string[]): Promise<number> {
  let exitCode: number = ExitCode.Success;
  const err = (line: string) => process.stderr.write(redactSecrets(line) + '\n');
  const program = buildProgram(
    async (run) => {
      exitCode = await run();
    },
    { writeErr: (s) => process.stderr.write(redactSecrets(s)) },
  );
  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (e) {
    return reportError(e, err);
  }
}

export function reportError(e: unknown, err: (line: string) => void): number {
  if (e instanceof CommanderError) {
    // Help and version exit 0; every parsing mistake is a usage error (commander has printed it).
    return e.exitCode === 0 ? ExitCode.Success : ExitCode.UsageError;
  }
  if (e instanceof ConfigError) {
    err(`error: invalid configuration (${e.problems.length} problem${e.problems.length === 1 ? '' : 's'}):`);
    for (const p of e.problems) err(`  ${formatProblem(p)}`);
    return e.exitCode;
  }
  if (isMohEtlError(e)) {
    err(`error: ${e.message}`);
    if (e.hint) err(`hint: ${e.hint}`);
    return e.exitCode;
  }
  err(`internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  err('This is a bug in moh-etl. Please report it with the command you ran and logs/extraction.log.');
  return ExitCode.RunFailure;
}
