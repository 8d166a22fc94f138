/**
 * `moh-etl run`: the linear pipeline. Today it runs the extract step and reports the later phases
 * (validate, transform, load) as not yet built, rather than skipping them silently.
 */
import { ExitCode } from '../../errors.js';
import type { ExtractFlags } from '../options.js';
import { stdout, type Out } from '../print.js';
import { extractCommand } from './extract.js';

export async function runCommand(flags: ExtractFlags, out: Out = stdout): Promise<number> {
  const code = await extractCommand(flags, out);
  if (code !== ExitCode.Success || flags.dryRun) return code;
  out(
    'Pipeline: extract done; validate, transform and load are not built yet, so nothing was loaded to data/processed.',
  );
  return code;
}
