/**
 * The commander program: flags and help only. Each action lazy-imports its command module (a plain
 * async function that tests can call directly) and returns its exit code.
 */
import { Command, Option } from 'commander';
import { EXTRACTION_MODES, OUTPUT_FORMATS } from '../config/schema.js';
import { LOG_LEVELS } from '../observe/logger.js';
import { VERSION } from '../version.js';
import type { CommonFlags, ExtractFlags } from './options.js';
import type { DemoFlags } from './commands/demo.js';
import type { ValidateFlags } from './commands/validate.js';
import type { RunFlags } from './commands/run.js';
import type { ScheduleFlags } from './commands/schedule.js';
import { adhocFlags, EXTRACT_HELP } from './adhoc-flags.js';
import { addShardsCommand, shardFlags } from './shard-flags.js';

export type Action = (run: () => Promise<number> | number) => Promise<void>;

const EXAMPLES = `
Examples:
  $ moh-etl demo --extract                      create the demo database and extract every source
  $ moh-etl extract --sources attendances diagnoses --start-date 2025-01-01 --end-date 2025-01-31
  $ moh-etl extract --mode incremental          everything new since the last run
  $ moh-etl extract --sources patients --dry-run
  $ moh-etl extract --sources patients --select sex,ethnicity --limit 10 --stdout   ad hoc, no state
  $ moh-etl check                               validate config/ and test every connection
  $ moh-etl status                              watermarks and recent runs

Exit codes: 0 success, 1 run failure, 2 usage or configuration error, 3 critical validation failure,
130/143 stopped by SIGINT/SIGTERM.
Docs: docs/QUICK_START.md, docs/DATA_EXTRACTION_GUIDE.md`;

/** `--help` of each command: what it does beyond its flags, examples, and its exit codes. */
const RUN_HELP = `
Extract, validate (critical checks stop the run before anything is loaded), transform and load
each source into data/processed/<source>; the watermark moves only once the rows are loaded.

Examples:
  $ moh-etl run                                  every enabled source, each in its configured mode
  $ moh-etl run --sources attendances --mode refresh    replace the processed dataset
  $ moh-etl run --job daily_incremental          a job of the schedules: section (what cron runs)
  $ moh-etl run --skip validate --json | jq -c 'select(.type == "run-finished")'

Exit codes: 0 success; 1 run failure (a source failed; it resumes next time); 2 usage or
configuration error; 3 a critical validation check failed (nothing loaded, watermark kept);
130/143 stopped by SIGINT/SIGTERM (committed parts are kept and resumed).`;
const VALIDATE_HELP = `
Runs the checks of validation.sources in the source databases (no extraction): the whole source,
or the rows of a date range. Reports go to validation.report_dir.

Examples:
  $ moh-etl validate                             every source's checks
  $ moh-etl validate --sources patients --json
  $ moh-etl validate --sources attendances --start-date 2025-01-01 --end-date 2025-01-31
  $ moh-etl validate --range yesterday

Exit codes: 0 every check passed (warnings allowed); 1 an error-severity check failed, or a source
could not be read; 2 usage or configuration error; 3 a critical check failed
(validation.stop_on_critical).`;
const SCHEDULE_HELP = `
Each due job runs as its own process (moh-etl run --job NAME); a missed run is caught up once on
start. SIGTERM/SIGINT stop the scheduler after asking running jobs to stop at a part boundary.

Examples:
  $ moh-etl schedule                             run the schedules until stopped (systemd, a container)
  $ moh-etl schedule --list                      each job's next run times
  $ moh-etl schedule --print systemd             timer and service units for systemd instead
  $ moh-etl schedule --print crontab | crontab -

Exit codes: 0 stopped by a signal, or listed/printed; 1 another scheduler holds this project's
lock; 2 usage or configuration error.`;
const STATUS_HELP = `
Reads the state files and run records; connects to nothing and writes nothing.

Examples:
  $ moh-etl status
  $ moh-etl status --json | jq '.sources[] | {source, watermark}'

Exit codes: 0 shown; 2 usage or configuration error.`;
const DEMO_HELP = `
The demo database is SQLite (data/demo/moh_demo.sqlite) filled by the synthetic generator: the
eight MOH tables, with late and updated rows like production. Every option is checked first.

Examples:
  $ moh-etl demo --run                           create it, then run the whole pipeline
  $ moh-etl demo --advance-days 2 && moh-etl extract     two more days, then the increment
  $ moh-etl demo --force --days 30 --scale 0.01  recreate it smaller
  $ moh-etl demo --force --dirty-rate 0.01 --run         with defects for the checks to find

Exit codes: 0 done; 1 the extraction or run that followed failed; 2 usage or configuration error
(nothing changed); 3 a critical check failed in the run that followed.`;
const CHECK_HELP = `
Validates config/database.yml and config/queries.yml, opens every connection (server version,
latency, a warning when the account can write), and probes every enabled source's template with
a zero-row query against the columns the configuration names. Reads no rows; writes nothing.

Examples:
  $ moh-etl check
  $ moh-etl check --config /etc/moh-etl/database.yml --json

Exit codes: 0 all good; 1 a connection failed; 2 a configuration or template problem (all listed).`;
const ALERT_TEST_HELP = `
Examples:
  $ moh-etl alert test                           every configured channel
  $ moh-etl alert test --channel ops_slack

Exit codes: 0 every channel took the message, 1 a channel failed, 2 no such channel.`;
const GROUP_HELP = (name: string, example: string) => `
Examples:
  $ moh-etl ${name} --help
  $ moh-etl ${example}

Exit codes: 0 help shown; 2 no subcommand, or an unknown one; each subcommand's own are in its --help.`;

function common(cmd: Command): Command {
  return cmd
    .option('-c, --config <path>', 'configuration file (default: config/database.yml in the project)')
    .option(
      '--project-dir <dir>',
      'the project directory; relative paths in the config resolve against it (default: MOH_ETL_HOME, or the directory holding config/)',
    )
    .addOption(
      new Option('--log-level <level>', 'log level for the console and the log file').choices(LOG_LEVELS),
    );
}

function extractionFlags(cmd: Command): Command {
  return common(cmd)
    .option('-s, --sources <names...>', 'sources to extract (default: every enabled source)')
    .option('--start-date <YYYY-MM-DD>', 'first day of a date range on each source’s date_column')
    .option('--end-date <YYYY-MM-DD>', 'last day of the range, inclusive (default: today)')
    .option('--range <expression>', 'a date range by name: yesterday, last-7-days, previous-month, …')
    .option(
      '-m, --mode <mode>',
      `extraction mode: ${[...EXTRACTION_MODES, 'refresh'].join(' | ')} (default: per source)`,
    )
    .option(
      '-f, --format <formats...>',
      `output formats: ${OUTPUT_FORMATS.join(', ')} (default: output.formats)`,
    )
    .option('--dry-run', 'print the SQL, bindings, row estimate and output paths; write nothing')
    .option('--fresh', 'discard unfinished runs of these sources instead of resuming them');
}

export interface ProgramOutput {
  writeErr: (text: string) => void;
}

export function buildProgram(action: Action, output: ProgramOutput): Command {
  // exitOverride and output settings are inherited only by subcommands created after them.
  const program = new Command('moh-etl')
    .exitOverride()
    .configureOutput(output)
    .description(
      'Extract MOH polyclinic data from clinical databases into validated Parquet, CSV and Excel files.',
    )
    .version(VERSION, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', EXAMPLES);

  shardFlags(
    adhocFlags(
      extractionFlags(
        program.command('extract').description('extract sources to files under data/raw/'),
      ).option('--json', 'print the run summary as one JSON object on stdout'),
    ),
  )
    .addHelpText('after', EXTRACT_HELP)
    .action((flags: ExtractFlags) =>
      action(async () => (await import('./commands/extract.js')).extractCommand(flags)),
    );

  extractionFlags(
    program
      .command('run')
      .description('the pipeline: extract, validate, transform, load into data/processed/<source>'),
  )
    .option(
      '--json',
      'print every event as a JSON line on stdout, then the run record as a final summary line',
    )
    .option('--phases <phases...>', 'run only these phases (extract, validate, transform, load)')
    .option('--skip <phases...>', 'leave these phases out (validate; transform and load together)')
    .option('--job <name>', 'run a job of the schedules: section (its sources, mode, formats and range)')
    .addOption(
      new Option('--scheduled-for <iso>', 'the time the job was due (set by the scheduler)').hideHelp(),
    )
    .addHelpText('after', RUN_HELP)
    .action((flags: RunFlags) => action(async () => (await import('./commands/run.js')).runCommand(flags)));

  common(program.command('validate').description('run the data-quality checks alone'))
    .option('-s, --sources <names...>', 'sources to check')
    .option('--start-date <YYYY-MM-DD>', 'first day of a date range on each source’s date_column')
    .option(
      '--end-date <YYYY-MM-DD>',
      'last day, inclusive (default: today); without a range: the whole source',
    )
    .option('--range <expression>', 'a date range by name: yesterday, last-7-days, previous-month, …')
    .option('--json', 'print one JSON object on stdout')
    .addHelpText('after', VALIDATE_HELP)
    .action((flags: ValidateFlags) =>
      action(async () => (await import('./commands/validate.js')).validateCommand(flags)),
    );

  common(
    program
      .command('schedule')
      .description(
        'run the configured schedules in the foreground (systemd, a container), or list or print them',
      ),
  )
    .option('--json', 'with --list: print the jobs as one JSON object')
    .option('--list', 'list the jobs and their next run times, then exit')
    .option('--print <format>', 'write the jobs for the system scheduler instead: systemd | crontab')
    .addHelpText('after', SCHEDULE_HELP)
    .action((flags: ScheduleFlags) =>
      action(async () => (await import('./commands/schedule.js')).scheduleCommand(flags)),
    );

  common(program.command('status').description('each source’s watermark and last run, and recent runs'))
    .option('--json', 'print one JSON object on stdout')
    .addHelpText('after', STATUS_HELP)
    .action((flags: CommonFlags) =>
      action(async () => (await import('./commands/status.js')).statusCommand(flags)),
    );

  common(
    program
      .command('demo')
      .description('create (or advance) the embedded demo database from the synthetic generator'),
  )
    .option('--advance-days <n>', 'append n days of new and updated rows')
    .option('--extract', 'then extract every source')
    .option(
      '--run',
      'then run the pipeline (extract, validate, transform, load); writes a demo key to .env if needed',
    )
    .option('--force', 'recreate the database even if it exists')
    .option('--scale <x>', 'attendances per day as a share of 25,000 (default 0.04)')
    .option('--days <n>', 'days of history (default 90)')
    .option(
      '--start-date <YYYY-MM-DD>',
      'first day of the history (default: the days end a week before today)',
    )
    .option('--seed <n>', 'random seed (default 42)')
    .option('--dirty-rate <r>', 'share of rows given a defect a validator must catch (default 0)')
    .addHelpText('after', DEMO_HELP)
    .action((flags: DemoFlags) =>
      action(async () => (await import('./commands/demo.js')).demoCommand(flags)),
    );

  common(program.command('check').description('validate the configuration and test every connection'))
    .option('--json', 'print one JSON object on stdout')
    .addHelpText('after', CHECK_HELP)
    .action((flags: CommonFlags) =>
      action(async () => (await import('./commands/check.js')).checkCommand(flags)),
    );

  const STATE_SHOW_HELP = `
Unless --offline, each watermark is compared with its source: one ahead of the newest row (a
restored database; every later increment would be empty) is printed as a warning.

Examples:
  $ moh-etl state show                          every source
  $ moh-etl state show attendances --json       {"sources":[{"source":"attendances","watermark":…}]}
  $ moh-etl state show --offline                without connecting to the sources

Exit codes: 0 shown, 1 a state file is unreadable, 2 usage or configuration error.`;
  const STATE_SET_HELP = `
Values are canonical text, comma-separated, in keyset order: the cursor column, then the primary
key. The cursor alone is allowed: the next incremental run then starts after that value.
  timestamp  2025-03-01T08:00:00[.ffffff] (naive column); 2025-03-01T08:00:00Z or …+08:00 (UTC column)
  date       2025-03-01        integer  120345        decimal  12.50
A value the column cannot hold (garbage, 2025-02-30, 1.5 for an integer) is refused, exit 2, and
nothing changes. The rows of the lookback window behind the new position count as delivered, so
the next run delivers exactly the rows after it. The run history (last run) is kept.
On a terminal it asks first unless --yes; without one (cron, scripts) it proceeds: the command
line names the value, and the previous watermark is printed. It refuses while the source has an
unfinished run, unless --fresh drops that run (its files stay on disk).

Examples:
  $ moh-etl state set attendances --watermark 2025-03-01T00:00:00Z
  $ moh-etl state set attendances --watermark 2025-03-01T00:00:00Z,120345 --yes

Exit codes: 0 set (or not confirmed: nothing changed), 1 the source could not be read or is being
extracted, 2 usage or configuration error (a malformed value, an unfinished run).`;
  const STATE_RESET_HELP = `
Forgets the watermark, the lookback window, the highest key seen and any unfinished run (its files
stay on disk): the next incremental run reads the source from the beginning. The run history
(last run) is kept. Asks on a terminal; without one it refuses unless --yes.

Examples:
  $ moh-etl state reset attendances
  $ moh-etl state reset attendances patients --yes

Exit codes: 0 reset (or not confirmed: nothing changed), 1 a source is being extracted,
2 usage or configuration error (no terminal and no --yes, an unknown source).`;
  const FILES_HELP = `
Complete runs only (a manifest in the run directory), with each file's rows, bytes and sha256; the
source's unfinished run is shown as "unfinished (resumable)" with its committed parts. A run that
resumed another wrote into that run's directory under that run's id: either id finds the files.

Examples:
  $ moh-etl files attendances                   the newest complete run
  $ moh-etl files attendances --run 20250301T020000Z-a1b2
  $ moh-etl files attendances --all             every complete run, newest first
  $ moh-etl files attendances --json | jq -r '.runs[0].files[].path'

Exit codes: 0 listed (none is not an error), 2 usage or configuration error (an unknown source or
run id).`;
  const alert = program
    .command('alert')
    .description('alert channels')
    .addHelpText('after', GROUP_HELP('alert test', 'alert test --channel ops_email'));
  common(
    alert
      .command('test')
      .description('send a test message to every configured channel (or one), and say how it went'),
  )
    .option('--channel <name>', 'only this channel')
    .addHelpText('after', ALERT_TEST_HELP)
    .action((flags: CommonFlags & { channel?: string }) =>
      action(async () => (await import('./commands/alert.js')).alertTestCommand(flags)),
    );

  const state = program
    .command('state')
    .description('show, set or reset extraction state (watermarks), like Meltano’s state commands')
    .addHelpText('after', GROUP_HELP('state show', 'state reset attendances --yes'));
  common(
    state
      .command('show')
      .description('each source’s watermark, lookback window, unfinished run and last run')
      .argument('[sources...]', 'source names (default: every source)'),
  )
    .option('--json', 'print one JSON object: {"sources": […]}')
    .option('--offline', 'do not connect to the sources (skips the watermark-ahead check)')
    .addHelpText('after', STATE_SHOW_HELP)
    .action((sources: string[], flags: import('./commands/state.js').StateShowFlags) =>
      action(async () => (await import('./commands/state.js')).stateShowCommand(sources, flags)),
    );
  common(
    state
      .command('set')
      .description('move a source’s watermark to a position typed as canonical text')
      .argument('<source>', 'source name'),
  )
    .requiredOption('--watermark <values>', 'cursor value[,primary key values…], comma-separated')
    .option('-y, --yes', 'do not ask on a terminal')
    .option('--fresh', 'drop the source’s unfinished run (its files stay on disk) instead of refusing')
    .option('--json', 'print one JSON object')
    .addHelpText('after', STATE_SET_HELP)
    .action((source: string, flags: import('./commands/state.js').StateSetFlags) =>
      action(async () => (await import('./commands/state.js')).stateSetCommand(source, flags)),
    );
  common(
    state
      .command('reset')
      .description('forget the watermark of sources; keep their run history')
      .argument('<sources...>', 'source names'),
  )
    .option('-y, --yes', 'do not ask (required without a terminal)')
    .option('--json', 'print one JSON object: {"sources": […]}')
    .addHelpText('after', STATE_RESET_HELP)
    .action((sources: string[], flags: import('./commands/state.js').StateResetFlags) =>
      action(async () => (await import('./commands/state.js')).stateResetCommand(sources, flags)),
    );

  common(
    program
      .command('files')
      .description('the files of a source’s run: paths, rows, bytes, sha256')
      .argument('<source>', 'source name'),
  )
    .option('--run <id>', 'this run (or a run that resumed it)')
    .option('--latest', 'the newest complete run (default)')
    .option('--all', 'every complete run, newest first, and the unfinished one')
    .option('--json', 'print one JSON object')
    .addHelpText('after', FILES_HELP)
    .action((source: string, flags: import('./commands/files.js').FilesFlags) =>
      action(async () => (await import('./commands/files.js')).filesCommand(source, flags)),
    );

  addShardsCommand(program, common, action);
  return program;
}
