/**
 * `moh-etl run`: the linear pipeline. Extract (row-level checks run on the batches as they are
 * written), then validate the extracted range of every source that succeeded; a critical failure
 * stops here with exit 3. Transform and load are not built yet, and the command says so rather
 * than skipping them silently.
 */
import path from 'node:path';
import { ExitCode } from '../../errors.js';
import { StateStore } from '../../extract/state.js';
import { runExtract } from '../../pipeline/extract-step.js';
import { ExtractPassChecks } from '../../pipeline/row-checks.js';
import { saveSummary, type RunSummary } from '../../pipeline/summary.js';
import { runValidate } from '../../pipeline/validate-step.js';
import { extractedScopes, startPositions } from '../../pipeline/validate-scope.js';
import { loadContext, openLog } from '../context.js';
import { resolveFormats, resolveMode, resolveRange, resolveSources, type ExtractFlags } from '../options.js';
import { shownPath, stdout, type Out } from '../print.js';
import { extractCommand, printSummary } from './extract.js';
import { printValidation, validationExitCode } from './validate.js';

export async function runCommand(flags: ExtractFlags, out: Out = stdout): Promise<number> {
  if (flags.dryRun) return extractCommand(flags, out);
  const loaded = loadContext(flags);
  const sources = resolveSources(loaded, flags.sources);
  const range = resolveRange(flags, loaded.config.extraction.timezone);
  const mode = resolveMode(flags.mode);
  const formats = resolveFormats(flags.format);
  const log = openLog(loaded, flags);

  const store = new StateStore(path.resolve(loaded.root, loaded.config.extraction.state_dir));
  const starts = startPositions(store, sources);
  // Row checks run on the batches as they are written, so validation does not read them again.
  const rowChecks = new ExtractPassChecks(loaded, new Date());
  const summary: RunSummary = await runExtract(
    loaded,
    { sources, range, mode, formats, fresh: flags.fresh, batchObserver: rowChecks.observer },
    log,
  );
  out(`Run summary: ${shownPath(await saveSummary(loaded.root, summary))}`);
  printSummary(summary, out);
  const extracted = summary.sources.filter((s) => s.status === 'succeeded');
  const validation = await runValidate(
    loaded,
    {
      sources: extracted.map((s) => s.source),
      scopes: extractedScopes(extracted, starts),
      runId: summary.run_id,
      now: rowChecks.now,
      streamed: rowChecks.validators(),
    },
    log,
  );
  printValidation(validation, out);
  const code = validationExitCode(validation, loaded.config.validation.stop_on_critical);
  out(
    'Pipeline: extract and validate done; transform and load are not built yet, so nothing was loaded to data/processed.',
  );
  return summary.status === 'succeeded' ? code : ExitCode.RunFailure;
}
