/**
 * Targets about values: durations, cron strings, range expressions, time zones, clients,
 * directories, output settings and numeric bounds. Each value is wrong for its key whatever the
 * rest of the config says (the outside round's findings are all here and must stay refused).
 */
import { at, existing, pairs, type Target } from './target.js';
import { addClinicalConnection, addRangeSchedule } from './workspace.js';

/** Not durations at all, or not representable: refused by every duration key. */
const MALFORMED_DURATIONS = [
  '100000000000d',
  '99999999999999999999ms',
  '1.5.3s',
  '-1s',
  '5 minutes',
  '',
  'NaNs',
  '1e3s',
  '5M',
  'soon',
  '10',
  5,
  '1h30m',
];

const durations: Target = {
  what: 'malformed duration',
  paths: (ws) => [
    ...existing(
      ws,
      'extraction.settle_lag',
      'extraction.lookback',
      'extraction.retry.min_delay',
      'extraction.retry.max_delay',
      'alerts.sla',
      'schedules.*.timeout',
      'validation.sources.*.#.not_future',
    ),
    ...at(
      'connections.demo.statement_timeout',
      'alerts.timeout',
      'alerts.deadline',
      'alerts.throttle.window',
      'alerts.retry.min_delay',
      'load.max_age',
      'schedules.daily_incremental.max_catch_up_age',
      'schedules.weekly_refresh.sla',
    ),
  ],
  values: MALFORMED_DURATIONS,
};

/** Durations beyond their key's bounds (a timer overflows, or a window makes no sense). */
const durationBounds = pairs('duration out of range', [
  ['extraction.settle_lag', '8d'],
  ['extraction.lookback', '31d'],
  ['extraction.retry.min_delay', '2h'],
  ['connections.demo.statement_timeout', '25d'],
  ['connections.demo.statement_timeout', '0ms'],
  ['connections.demo.statement_timeout', '999ms'],
  ['alerts.timeout', '6m'],
  ['alerts.timeout', '99ms'],
  ['alerts.timeout', '1m'], // longer than the 30s deadline: no attempt could finish
  ['alerts.deadline', '11m'],
  ['alerts.sla', '31d'],
  ['alerts.sla', '999ms'],
  ['alerts.throttle.window', '8d'],
  ['alerts.retry.max_delay', '6m'],
  ['load.max_age', '3651d'],
]).concat(
  pairs(
    'connection duration out of range',
    [
      ['connections.clinical.statement_timeout', '25d'],
      ['connections.clinical.connect_timeout', '11m'],
      ['connections.clinical.connect_timeout', '0s'],
    ],
    addClinicalConnection,
  ),
);

const crons: Target = {
  what: 'bad cron',
  paths: (ws) => existing(ws, 'schedules.*.cron'),
  values: [
    '99 99 * * *',
    '* * *',
    '* * * * * *',
    '',
    '   ',
    '0 2 30 2 *',
    '@reboot',
    '@never',
    'every day',
    '0 24 * * *',
    '60 * * * *',
    '*/0 * * * *',
    '0 0 32 * *',
    '0 0 * 13 *',
    '0 0 * * 8',
    '5-1 * * * *',
    '1,,2 * * * *',
    '1/0 * * * *',
    5,
    null,
    ['0 2 * * *'],
  ],
};

const ranges: Target[] = [
  {
    what: 'bad range expression',
    prepare: addRangeSchedule,
    paths: () => at('schedules.fuzz_range.range'),
    values: [
      'last-0-days',
      'last-3661-days',
      'last-99999-days',
      'last--1-days',
      'last-N-days',
      '2025-02-30..2025-03-01',
      '2025-03-01..2025-02-01',
      '2025-01-01...2025-01-02',
      'tomorrow',
      'next-week',
      'yesterday..today',
      '',
      7,
    ],
  },
  ...pairs('range with incremental mode', [['schedules.fuzz_range.mode', 'incremental']], addRangeSchedule),
  ...pairs(
    'range over an undated source',
    [['schedules.fuzz_range.sources', ['polyclinics']]],
    addRangeSchedule,
  ),
];

const timeZones: Target = {
  what: 'bad time zone',
  paths: (ws) => [
    ...at('extraction.timezone', 'validation.timezone', 'sources.attendances.timezone'),
    ...existing(ws, 'schedules.*').map((p) => [...p, 'timezone']),
  ],
  values: [
    'Mars/Olympus',
    'UTC+8',
    'GMT+25',
    '',
    'Asia/Singapore ',
    'Local',
    'Etc/GMT+15',
    8,
    'Asia/Singapore\n',
  ],
};

const clients: Target[] = [
  {
    what: 'bad client',
    paths: () => at('connections.demo.client'),
    values: ['sqlite3', 'postgresql', 'oracledb', 'mongodb', '', 'SQLITE', null, 1, ['sqlite']],
  },
  {
    what: 'bad client',
    prepare: addClinicalConnection,
    paths: () => at('connections.clinical.client'),
    values: ['pg', 'mariadb', 'sqlserver', 'Postgres'],
  },
];

const DIRECTORY_KEYS = [
  'output.directory',
  'logging.directory',
  'extraction.state_dir',
  'validation.report_dir',
  'validation.metrics_dir',
  'load.directory',
  'load.archive_directory',
];

const directories: Target[] = [
  {
    what: 'bad directory',
    paths: () => at(...DIRECTORY_KEYS),
    values: ['', ' ', ' data', 'data ', 'a\u0000b', [], 5, null],
  },
  ...pairs('overlapping load directories', [['load', { directory: 'data/x', archive_directory: 'data/x' }]]),
  ...pairs('overlapping load directories', [
    ['load', { directory: 'data/p', archive_directory: 'data/p/archive' }],
  ]),
];

const output = pairs('bad output setting', [
  ['output.csv.delimiter', '\n'],
  ['output.csv.delimiter', '"'],
  ['output.csv.delimiter', '\r'],
  ['output.csv.delimiter', ',,'],
  ['output.csv.delimiter', ''],
  ['output.csv.delimiter', 1],
  ['output.csv.null_value', '"'],
  ['output.csv.null_value', 'a\nb'],
  ['output.csv.bom', 'yes'],
  ['output.file_mode', '0777'],
  ['output.file_mode', '0644'],
  ['output.file_mode', '0660'],
  ['output.file_mode', '777'],
  ['output.file_mode', 'rw-r-----'],
  ['output.file_mode', '0o640'],
  ['output.file_mode', 640],
  ['output.formats', []],
  ['output.formats', ['docx']],
  ['output.formats', 'parquet'],
  ['output.formats', ['Parquet']],
  ['output.formats', [null]],
  ['output.parquet.compression', 'gzip'],
  ['output.parquet.compression', ''],
  ['output.parquet.row_group_rows', 0],
  ['output.parquet.row_group_rows', 100_000_001],
  ['output.part_rows', 0],
  ['output.part_rows', 1.5],
  ['output.part_rows', '1000'],
  ['output.part_bytes', 1000],
  ['output.xlsx.warn_rows', 0],
]);

const numbers = pairs('number out of range', [
  ['extraction.batch_size', 0],
  ['extraction.batch_size', -1],
  ['extraction.batch_size', 1_000_001],
  ['extraction.batch_size', 1.5],
  ['extraction.batch_size', '5000'],
  ['extraction.batch_size', Infinity],
  ['extraction.batch_size', NaN],
  ['extraction.retry.attempts', 0],
  ['extraction.retry.attempts', 21],
  ['validation.sample_rows', -1],
  ['validation.sample_rows', 1001],
  ['load.keep_versions', -1],
  ['load.threads', 0],
  ['load.threads', 257],
  ['load.file_rows', 1],
  ['load.compression_level', 23],
  ['load.memory_limit', '1XB'],
  ['load.memory_limit', '256'],
  ['load.memory_limit', ''],
  ['alerts.throttle.max_per_window', 0],
  ['alerts.retry.attempts', 11],
  ['logging.level', 'verbose'],
  ['logging.level', 'silent'],
]).concat(
  pairs(
    'bad connection setting',
    [
      ['connections.clinical.port', 0],
      ['connections.clinical.port', 70_000],
      ['connections.clinical.port', 1.5],
      ['connections.clinical.port', '5432a'],
      ['connections.clinical.pool', { max: 0 }],
      ['connections.clinical.pool', { min: -1 }],
      ['connections.clinical.ssl', 'yes'],
      ['connections.clinical.host', ''],
      ['connections.clinical.read_only', 'no'],
    ],
    addClinicalConnection,
  ),
);

/** Every value target, grouped so each family gets its share whatever its size. */
export const VALUE_TARGETS: readonly (readonly Target[])[] = [
  [durations],
  durationBounds,
  [crons],
  ranges,
  [timeZones],
  clients,
  directories,
  output,
  numbers,
];
