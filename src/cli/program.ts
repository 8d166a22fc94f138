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

export type Action = (run: () => Promise<number> | number) => Promise<void>;

const EXAMPLES = `
Examples:
  $ moh-etl demo --extract                      create the demo database and extract every source
  $ moh-etl extract --sources attendances diagnoses --start-date 2025-01-01 --end-date 2025-01-31
  $ moh-etl extract --mode incremental          everything new since the last run
  $ moh-etl extract --sources patients --dry-run
  $ moh-etl check                               validate config/ and test every connection
  $ moh-etl status                              watermarks and recent runs

Exit codes: 0 success, 1 run failure, 2 usage or configuration error, 3 critical validation failure.
Docs: docs/QUICK_START.md, docs/DATA_EXTRACTION_GUIDE.md`;

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

  extractionFlags(program.command('extract').description('extract sources to files under data/raw/')).action(
    (flags: ExtractFlags) =>
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
    .action((flags: RunFlags) => action(async () => (await import('./commands/run.js')).runCommand(flags)));

  common(program.command('validate').description('run the data-quality checks alone'))
    .option('-s, --sources <names...>', 'sources to check')
    .option('--start-date <YYYY-MM-DD>', 'first day of a date range on each source’s date_column')
    .option(
      '--end-date <YYYY-MM-DD>',
      'last day, inclusive (default: today); without a range: the whole source',
    )
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
    .option('--list', 'list the jobs and their next run times, then exit')
    .option('--print <format>', 'write the jobs for the system scheduler instead: systemd | crontab')
    .action((flags: ScheduleFlags) =>
      action(async () => (await import('./commands/schedule.js')).scheduleCommand(flags)),
    );

  common(
    program.command('status').description('each source’s watermark and last run, and recent runs'),
  ).action((flags: CommonFlags) =>
    action(async () => (await import('./commands/status.js')).statusCommand(flags)),
  );

  common(
    program
      .command('demo')
      .description('create (or advance) the embedded demo database from the synthetic generator'),
  )
    .option('--advance-days <n>', 'append n days of new and updated rows')
    .option('--extract', 'then extract every source')
    .option('--force', 'recreate the database even if it exists')
    .option('--scale <x>', 'attendances per day as a share of 25,000 (default 0.04)')
    .option('--days <n>', 'days of history (default 90)')
    .option(
      '--start-date <YYYY-MM-DD>',
      'first day of the history (default: the days end a week before today)',
    )
    .option('--seed <n>', 'random seed (default 42)')
    .option('--dirty-rate <r>', 'share of rows given a defect a validator must catch (default 0)')
    .action((flags: DemoFlags) =>
      action(async () => (await import('./commands/demo.js')).demoCommand(flags)),
    );

  common(program.command('check').description('validate the configuration and test every connection')).action(
    (flags: CommonFlags) => action(async () => (await import('./commands/check.js')).checkCommand(flags)),
  );

  const state = program.command('state').description('inspect or reset extraction state');
  common(
    state
      .command('reset')
      .description('forget the watermark of sources')
      .argument('<sources...>', 'source names'),
  ).action((sources: string[], flags: CommonFlags) =>
    action(async () => (await import('./commands/state.js')).stateResetCommand(sources, flags)),
  );

  return program;
}
