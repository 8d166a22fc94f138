import path from 'node:path';
import { ExitCode, UsageError } from '../../errors.js';
import { runExtract } from '../../pipeline/extract-step.js';
import { saveSummary, type RunSummary } from '../../pipeline/summary.js';
import { loadContext } from '../context.js';
import { withSession } from '../session.js';
import { resolveFormats, resolveMode, resolveRange, resolveSources, type ExtractFlags } from '../options.js';
import { formatCount, formatDuration, shownPath, stdout, table, type Out } from '../print.js';
import { dryRun } from './dry-run.js';
import { isAdhoc } from '../adhoc-options.js';
import { interruptedExitCode, stopSignal } from '../signals.js';
import { extractProgress } from '../progress.js';

/** `moh-etl extract`: extract the requested sources to files under output.directory. */
export async function extractCommand(flags: ExtractFlags, out: Out = stdout): Promise<number> {
  // A statement typed here, or one source narrowed: extracted once, no state (cli/adhoc-command.ts).
  const sharded = flags.shard !== undefined || flags.runId !== undefined;
  // Every shard of a run would otherwise extract the whole narrowed source, with no run to merge.
  if (sharded && isAdhoc(flags))
    throw new UsageError(
      '--shard and --run-id do not combine with ad-hoc flags (--sql, --select, --where, --limit, --output, --stdout…)',
      {
        hint: 'shard a configured source as it is configured; narrow it with --start-date/--end-date',
      },
    );
  if (isAdhoc(flags)) return (await import('../adhoc-command.js')).adhocExtractCommand(flags, { out });
  if (sharded) return (await import('./shards.js')).extractShardCommand(flags, out);
  const loaded = loadContext(flags);
  const sources = resolveSources(loaded, flags.sources);
  const range = resolveRange(flags, loaded.config.extraction.timezone);
  const mode = resolveMode(flags.mode);
  const formats = resolveFormats(flags.format);
  if (flags.dryRun) return dryRun(loaded, { sources, range, mode, formats }, out);

  return withSession(loaded, flags, 'extract', async ({ log, metrics }) => {
    const signal = stopSignal();
    const progress = flags.json ? undefined : extractProgress();
    const summary = await runExtract(
      loaded,
      {
        sources,
        range,
        mode,
        formats,
        fresh: flags.fresh,
        signal,
        onProgress: progress?.onProgress,
        onEstimate: progress?.onEstimate,
        onSource: progress?.onSource,
      },
      log,
    ).finally(() => progress?.stop());
    summary.trigger = 'cli';
    summary.exit_code =
      summary.status === 'succeeded'
        ? ExitCode.Success
        : summary.status === 'interrupted'
          ? interruptedExitCode(signal)
          : ExitCode.RunFailure;
    const file = await saveSummary(loaded.root, summary);
    // After saveSummary: the textfile is built from the records on disk.
    metrics.record(summary);
    if (flags.json) out(JSON.stringify({ type: 'summary', ...summary }));
    else {
      printSummary(summary, out);
      out(`Run summary: ${shownPath(file)}`);
    }
    return { exitCode: summary.exit_code, record: summary };
  });
}

/** `sharded`: every source wrote under the shared run id of its shards (not a resumed run). */
export function printSummary(summary: RunSummary, out: Out, sharded = false): void {
  const range = summary.range ? ` for ${summary.range.start} to ${summary.range.end}` : '';
  out(`Run ${summary.run_id}${range}`);
  const rows = [['source', 'mode', 'status', 'rows', 'time', 'files']];
  for (const r of summary.sources) {
    rows.push([
      r.source,
      r.mode,
      r.status === 'succeeded' ? 'ok' : r.status === 'interrupted' ? 'STOPPED' : 'FAILED',
      formatCount(r.rows),
      formatDuration(r.duration_ms),
      describeFiles(r.files),
    ]);
  }
  table(rows, out);
  for (const r of summary.sources) {
    if (!sharded && r.run_id && r.run_id !== summary.run_id) out(resumedNote(r.source, r.run_id));
    if (r.note) out(`note: ${r.source}: ${r.note}`);
    for (const w of r.warnings ?? []) out(`warning: ${r.source}: ${w}`);
    if (r.error) out(`error: ${r.source}: ${r.error}${r.hint ? ` (${r.hint})` : ''}`);
  }
  const ok = summary.sources.filter((r) => r.status === 'succeeded');
  const total = ok.reduce((n, r) => n + r.rows, 0);
  const dirs = [
    ...new Set(ok.flatMap((r) => r.files.map((f) => path.dirname(path.dirname(path.dirname(f)))))),
  ];
  out(
    `${ok.length} of ${summary.sources.length} sources extracted, ${formatCount(total)} rows` +
      (dirs.length ? `; files under ${shownPath(path.dirname(dirs[0]!))}/` : ''),
  );
}

/** The first file, and how many more: a big extraction can have hundreds of parts. */
function describeFiles(files: string[]): string {
  if (files.length === 0) return '-';
  return files.length === 1 ? shownPath(files[0]!) : `${shownPath(files[0]!)} (+${files.length - 1} more)`;
}

/** A run that finished an earlier, unfinished run wrote under that run's id: say where. */
export function resumedNote(source: string, runId: string): string {
  return `note: ${source}: resumed the unfinished run ${runId}; its files are under that run's id (moh-etl files ${source} --run ${runId})`;
}
