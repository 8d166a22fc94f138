/**
 * Command lines that must be refused with exit 2 before anything is written, run against a valid
 * project: unknown flags and commands, bad values for every flag, empty strings, commas only,
 * duplicated flags (the last one wins and is bad), very long values, reserved source names, and
 * the demo's bounds (a rejected demo must not create, advance or reset anything).
 */
import { Weighted, type Rng } from '../../../src/synth/prng.js';
import type { Mutator } from './mutation.js';
import { RESERVED_NAMES } from './tree-mutations.js';

const LONG = 'x'.repeat(100_000);
const BAD_SOURCES = [
  '',
  ',',
  ' , ',
  ' ',
  'nosuch',
  'attendances,nosuch',
  'Attendances',
  LONG,
  ...RESERVED_NAMES,
];
const BAD_DATES = [
  '2025-13-01',
  '2025-02-30',
  '2025-00-10',
  '',
  ' ',
  '20250101',
  '2025-1-1',
  ' 2025-01-01',
  '2025-01-01T00:00',
  '99999-01-01',
  '0000-00-00',
  'yesterday',
  '2025/01/01',
  LONG,
];

type Flags = (rng: Rng) => string[];

/** Flags shared by every command that loads the config. */
const common: Flags[] = [
  (r) => ['--log-level', r.pick(['verbose', '', 'INFO', 'warning', LONG])],
  (r) => ['--log-level', 'info', '--log-level', r.pick(['nope', ''])],
  (r) => ['--config', r.pick(['', 'nowhere/database.yml', 'config', 'config/queries.yml', '/dev/null', '.'])],
  (r) => ['--project-dir', r.pick(['', ' ', 'nowhere', 'config', '/dev/null', LONG])],
  (r) => [r.pick(['--souces', '--dryrun', '--format-csv', '-x']), ...(r.chance(0.5) ? ['x'] : [])],
  () => ['--', 'x'],
  () => ['--config'],
  (r) => [r.pick(['extra', 'positional', LONG])],
];

const sourceFlags: Flags[] = [
  (r) => ['--sources', r.pick(BAD_SOURCES)],
  (r) => ['--sources', 'attendances', r.pick(BAD_SOURCES.filter((s) => s.trim().replace(/,/g, '') !== ''))],
  () => ['--sources'],
];

const dateFlags: Flags[] = [
  (r) => ['--start-date', r.pick(BAD_DATES)],
  (r) => ['--start-date', '2025-01-01', '--end-date', r.pick(BAD_DATES)],
  () => ['--end-date', '2025-01-31'],
  () => ['--start-date', '2025-02-01', '--end-date', '2025-01-31'],
  (r) => ['--start-date', '2025-01-01', '--start-date', r.pick(BAD_DATES)],
];

const BAD_RANGES = [
  'tomorrow',
  'last-0-days',
  'last-3661-days',
  '2025-02-30..2025-03-01',
  'yesterday..today',
  '',
  LONG,
];

/** `extract` and `run` share these; `modes` are the modes the command refuses. */
const extraction = (badModes: string[]): Flags[] => [
  ...sourceFlags,
  ...dateFlags,
  (r) => ['--format', r.pick(['', ',', ' , ', 'docx', 'csv,docx', 'parquet;csv', 'json', LONG])],
  () => ['--format'],
  (r) => ['--mode', r.pick(badModes)],
  (r) => ['--mode', 'full', '--mode', r.pick(['nope', ''])],
  (r) => ['--mode', r.pick(['full', 'incremental']), '--start-date', '2025-01-01'],
  (r) => ['--range', r.pick(BAD_RANGES)],
  (r) => [
    '--range',
    'yesterday',
    ...r.pick([
      ['--start-date', '2025-01-01'],
      ['--end-date', '2025-01-31'],
      ['--mode', 'full'],
    ]),
  ],
];
const MODES_NEVER = ['sometimes', '', 'INCREMENTAL', 'full,incremental', LONG];

/** `run` only: phases and jobs. */
const pipeline: Flags[] = [
  (r) => ['--phases', r.pick(['', ',', 'nosuch', 'extract,nosuch', 'validate', 'extract,load', LONG])],
  (r) => ['--skip', r.pick(['', 'extract', 'transform', 'nosuch', 'extract,validate'])],
  () => ['--phases', 'extract', '--skip', 'load'],
  (r) => ['--job', r.pick(['nosuch', '', 'daily-incremental', 'DAILY_INCREMENTAL', LONG, ...RESERVED_NAMES])],
  (r) => [
    '--job',
    'daily_incremental',
    ...r.pick([
      ['--sources', 'patients'],
      ['--mode', 'full'],
      ['--format', 'csv'],
      ['--range', 'yesterday'],
      ['--start-date', '2025-01-01'],
    ]),
  ],
  (r) => [
    '--job',
    'monthly_reference',
    '--scheduled-for',
    r.pick(['notatime', '', '2025-13-01T00:00:00Z', LONG]),
  ],
];

const demo: Flags[] = [
  (r) => ['--days', r.pick(['0', '10000', '3651', '-1', '1.5', '', '1e3', 'ten', ' 5', '0x10', LONG])],
  (r) => ['--advance-days', r.pick(['99999999', '0', '-1', '1.5', '', '3651'])],
  (r) => ['--seed', r.pick(['99999999999999999999', '-1', '1.5', '', '2147483648', 'abc'])],
  (r) => ['--scale', r.pick(['0', '-1', 'NaN', 'Infinity', '11', '', '1e400'])],
  (r) => ['--dirty-rate', r.pick(['2', '-0.1', 'NaN', '', '1.0001'])],
  (r) => ['--start-date', r.pick(['2999-01-01', '2025-02-30', '', 'yesterday'])],
];

interface Command {
  args: string[];
  flags: Flags[];
}

const COMMANDS = new Weighted<Command>([
  [{ args: ['extract'], flags: [...extraction(MODES_NEVER), ...common] }, 5],
  [{ args: ['extract', '--dry-run'], flags: [...extraction(MODES_NEVER), ...common] }, 2],
  [{ args: ['run'], flags: [...extraction(MODES_NEVER), ...pipeline, ...common] }, 5],
  [
    {
      args: ['validate'],
      flags: [...sourceFlags, ...dateFlags, ...common, (r) => [r.pick(['--mode', '--format', '--dry-run'])]],
    },
    2,
  ],
  [{ args: ['check'], flags: [...common, (r) => [r.pick(['--sources', '--dry-run']), 'x']] }, 2],
  [{ args: ['status'], flags: [...common, () => ['--sources', 'patients']] }, 1],
  // Plain `schedule` runs the scheduler in the foreground: never without --list or --print here.
  [
    {
      args: ['schedule'],
      flags: [
        (r) => ['--print', r.pick(['docx', '', 'SYSTEMD', 'cron', LONG])],
        () => ['--print'],
        (r) => ['--list', r.pick(['--run', 'now', '--print'])],
        ...common.map((f): Flags => (r) => ['--list', ...f(r)]),
      ],
    },
    2,
  ],
  [{ args: ['demo'], flags: demo }, 3],
]);

/** Whole command lines that are wrong before any flag. */
const LINES: string[][] = [
  [],
  ['extrakt'],
  ['Extract'],
  ['state'],
  ['state', 'reset'],
  ['state', 'rest', 'patients'],
  ['state', 'reset', ''],
  ['state', 'reset', ','],
  ['state', 'reset', 'nosuch'],
  ['state', 'reset', 'patients', 'nosuch'],
  ...RESERVED_NAMES.map((n) => ['state', 'reset', n]),
  ['--versoin'],
  ['--log-level', 'info'],
  [LONG],
];

/** A command line that must be refused. The project's config is valid. */
export const flagMutation: Mutator = (ws, rng) => {
  let args: string[];
  if (rng.chance(0.15)) args = rng.pick(LINES);
  else {
    const command = COMMANDS.pick(rng);
    args = [...command.args, ...rng.pick(command.flags)(rng)];
  }
  const label = `flags ${args.map((a) => (a.length > 40 ? `<${a.length} chars>` : JSON.stringify(a))).join(' ')}`;
  return { label, expect: 'reject', args };
};
