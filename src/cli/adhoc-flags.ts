/**
 * The ad-hoc flags of `extract` and its help text (program.ts adds them): flags and words only;
 * their meaning is checked in adhoc-options.ts and carried out by cli/adhoc-command.ts.
 */
import type { Command } from 'commander';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export function adhocFlags(cmd: Command): Command {
  return cmd
    .optionsGroup('Ad-hoc extraction (one statement or one source; no config edit, no state):')
    .option('--sql <select>', 'extract this SELECT (checked: one statement, read-only) instead of a source')
    .option('--connection <name>', 'the connection --sql runs on (default: extraction.default_connection)')
    .option(
      '--key <columns>',
      'unique key of --sql, comma-separated: rows are read in batches ordered by it (required unless --limit ≤ batch_size)',
    )
    .option('--name <name>', 'names the files and log lines (default: the source, or "adhoc")')
    .option('--select <columns>', 'only these columns of the source, comma-separated (its key is added)')
    .option('--where <predicate>', 'only the rows where this condition holds; bind values with :name')
    .option(
      '--param <name=value>',
      'a value for :name in --sql, --where or the template (repeatable)',
      collect,
    )
    .option('--limit <n>', 'stop after n rows (in key order)')
    .option(
      '-o, --output <path>',
      'a file (.csv, .parquet, .xlsx: one file, replaced whole) or a directory, relative to the current directory (default: <output.directory>/ad-hoc)',
    )
    .option('--stdout', 'write CSV to standard output (for pipes); nothing on disk');
}

export const EXTRACT_HELP = `
Without ad-hoc flags, extract runs the configured sources: incremental sources read what is new
since their watermark, and an unfinished run is resumed.

With any ad-hoc flag it extracts once, in full or for a date range, and keeps no state: no watermark,
checkpoint or run record changes, so the configured sources' incremental runs are not disturbed.
The statement is checked before any connection is made (one SELECT; no INSERT/UPDATE/DELETE/DROP…,
no ";"); values are bound from --param, never spliced into the SQL; every statement runs read-only.
Rows are read in batches ordered by a unique key, never with OFFSET: --sql needs --key, except for
a --limit of at most extraction.batch_size rows (one statement, in the server's order). --select
adds the source's primary key when it is missing. A failed or stopped ad-hoc run leaves no file.

Examples:
  $ moh-etl extract                                  every enabled source (incremental where configured)
  $ moh-etl extract --sources attendances --start-date 2025-01-01 --end-date 2025-01-31
  $ moh-etl extract --sources patients --dry-run     the SQL, bindings and row count; nothing written
  $ moh-etl extract --sql "SELECT * FROM polyclinics WHERE region = :r" --connection demo \\
      --key polyclinic_code --param r=East --output east.csv
  $ moh-etl extract --sources attendances --select visit_date,visit_type \\
      --where "visit_type = :t" --param t=Walk-in --limit 1000 --output sample.parquet
  $ moh-etl extract --sources lab_results --where "abnormal_flag = 'H'" --stdout | head

Exit codes: 0 success; 1 run failure (a source, a connection or the output failed: an interrupted
configured source resumes next time); 2 usage or configuration error (a refused statement, an
unknown --select column, a :name without --param, a --param for no :name; nothing written);
130/143 stopped by SIGINT/SIGTERM.`;
