/**
 * Shards across machines (cli/commands/shards.ts): the `--shard`/`--run-id` flags of `extract` and
 * the `shards merge` command, with their help. Flags and words only, like adhoc-flags.ts.
 */
import type { Command } from 'commander';
import type { Action } from './program.js';
import type { CommonFlags } from './options.js';

export function shardFlags(cmd: Command): Command {
  return cmd
    .optionsGroup('Shards (one source read by n machines under an orchestrator; see `shards merge`):')
    .option('--shard <i/n>', 'extract the i-th (from 0) of n key ranges of one source, full or a date range')
    .option('--run-id <id>', 'the run every shard of it names (the orchestrator’s run or job id)');
}

const SHARDS_MERGE_HELP = `
Checks the shards of a run — every one finished, the same plan, no gap and no overlap between
their key ranges, each part's size and sha256, the rows reconciled — then publishes one manifest
under <output.directory>/<source>/extract_date=<day>/<run id>/ and removes the shards' directory.
Until then readers see nothing: shards write under <source>/_shards/, which Hive readers skip.
An unfinished shard is named: run that shard again (it resumes) and merge again.
Run again after it published, it says so and changes nothing. docs/examples/ holds a Kubernetes
Indexed Job and an Airflow DAG.

Examples:
  $ moh-etl extract --sources attendances --mode full --shard 0/4 --run-id wk49   (on each machine, 0..3)
  $ moh-etl shards merge attendances --run wk49

Exit codes: 0 published (or already published); 1 a shard is unfinished, missing or does not match
(nothing published); 2 usage or configuration error.`;

/** `shards merge`: the step after every shard finished. */
export function addShardsCommand(program: Command, common: (cmd: Command) => Command, action: Action): void {
  const shards = program
    .command('shards')
    .description('sharded runs: publish a run whose key ranges were extracted on several machines')
    .addHelpText(
      'after',
      `
Examples:
  $ moh-etl shards merge --help
  $ moh-etl shards merge attendances --run wk49

Exit codes: 0 help shown; 2 no subcommand, or an unknown one; each subcommand's own are in its --help.`,
    );
  common(
    shards
      .command('merge')
      .description('check the shards of a run and publish it as one run with one manifest')
      .argument('<source>', 'source name'),
  )
    .requiredOption('--run <id>', 'the --run-id the shards were given')
    .option('--json', 'print one JSON object')
    .addHelpText('after', SHARDS_MERGE_HELP)
    .action((source: string, flags: CommonFlags & { run?: string; json?: boolean }) =>
      action(async () => (await import('./commands/shards.js')).shardsMergeCommand(source, flags)),
    );
}
