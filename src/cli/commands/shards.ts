/**
 * Shards across machines, under an existing orchestrator (docs/examples/): each machine runs
 * `moh-etl extract --sources S --mode full --shard i/n --run-id ID` (one of n disjoint key ranges,
 * with its own state and manifest; extract/shard-plan.ts), then one step runs
 * `moh-etl shards merge S --run ID`, which checks the shards and publishes the run.
 */
import { ExitCode, UsageError } from '../../errors.js';
import { checkRunId, parseShard } from '../../extract/shard-plan.js';
import { mergeShards } from '../../pipeline/split-merge.js';
import { runShard } from '../../pipeline/split-shard.js';
import { saveSummary } from '../../pipeline/summary.js';
import { loadContext } from '../context.js';
import {
  resolveFormats,
  resolveMode,
  resolveRange,
  resolveSources,
  type CommonFlags,
  type ExtractFlags,
} from '../options.js';
import { formatCount, shownPath, stdout, type Out } from '../print.js';
import { withSession } from '../session.js';
import { interruptedExitCode, stopSignal } from '../signals.js';
import { printSummary } from './extract.js';

/** `--shard i/n` (shard i, from 0, of n) and `--run-id` (the orchestrator's run id) are ExtractFlags. */
export type ShardExtractFlags = ExtractFlags;

export interface ShardsMergeFlags extends CommonFlags {
  /** The sharded run to merge. */
  run?: string;
}

/** `moh-etl extract --shard i/n --run-id ID`: one shard of a sharded run. */
export async function extractShardCommand(flags: ShardExtractFlags, out: Out = stdout): Promise<number> {
  const loaded = loadContext(flags);
  if (flags.shard === undefined)
    throw new UsageError('--run-id names one shard of a sharded run: it needs --shard i/n', {
      hint: 'an ordinary run gets its id by itself; drop --run-id',
    });
  const shard = parseShard(flags.shard);
  if (!flags.runId)
    throw new UsageError('--shard needs --run-id: every shard of a run names the same run', {
      hint: 'pass one id for every shard of the run, e.g. --run-id "$RUN_ID" set on the Kubernetes Job, or --run-id "attendances-{{ ts_nodash }}" in Airflow (its run_id holds ":" and "+")',
    });
  const runId = checkRunId(flags.runId);
  const sources = resolveSources(loaded, flags.sources);
  if (sources.length !== 1)
    throw new UsageError(`--shard extracts one source (got ${sources.length})`, {
      hint: 'name it with --sources',
    });
  if (flags.fresh || flags.dryRun)
    throw new UsageError(`--shard cannot be combined with ${flags.fresh ? '--fresh' : '--dry-run'}`, {
      hint: flags.fresh
        ? 'a shard resumes its own checkpoint; to start a run over, give it another --run-id'
        : 'leave out --shard and --run-id to see the source’s statement and row estimate',
    });
  const range = resolveRange(flags, loaded.config.extraction.timezone);
  const mode = resolveMode(flags.mode);
  const formats = resolveFormats(flags.format);

  return withSession(loaded, flags, 'extract', async ({ log, metrics }) => {
    const signal = stopSignal();
    const summary = await runShard(
      loaded,
      { source: sources[0]!, shard, runId, mode, range, formats, signal },
      log,
    );
    summary.trigger = 'cli';
    summary.exit_code =
      summary.status === 'succeeded'
        ? ExitCode.Success
        : summary.status === 'interrupted'
          ? interruptedExitCode(signal)
          : ExitCode.RunFailure;
    const file = await saveSummary(loaded.root, summary);
    metrics.record(summary);
    if (flags.json) out(JSON.stringify({ type: 'summary', ...summary }));
    else {
      printSummary(summary, out, true);
      out(`Shard ${shard.index}/${shard.count} of run ${runId}; run summary: ${shownPath(file)}`);
    }
    return { exitCode: summary.exit_code, record: summary };
  });
}

/** `moh-etl shards merge <source> --run ID`: check the shards of a run and publish it. */
export async function shardsMergeCommand(
  source: string,
  flags: ShardsMergeFlags,
  out: Out = stdout,
): Promise<number> {
  const loaded = loadContext(flags);
  resolveSources(loaded, [source], 'to merge'); // an unknown source: named, with a did-you-mean
  if (!flags.run) throw new UsageError('shards merge needs --run ID (the --run-id the shards were given)');
  const runId = checkRunId(flags.run);
  return withSession(loaded, flags, 'shards merge', async ({ log }) => {
    const merged = await mergeShards(loaded, source, runId);
    log.info({ source, run_id: runId, shards: merged.shards, rows: merged.rows }, 'shards merged');
    if (flags.json) out(JSON.stringify({ type: 'merge', ...merged }));
    else
      out(
        `${merged.already ? 'Already published' : 'Published'}: run ${runId} of ${source}, ${merged.shards} shard${merged.shards === 1 ? '' : 's'}, ${formatCount(merged.rows)} rows; manifest ${shownPath(merged.manifest)}`,
      );
    return { exitCode: ExitCode.Success };
  });
}
