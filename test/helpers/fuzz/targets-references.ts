/**
 * Targets about names and references: a source's connection and template, checks, jobs, alert
 * channels and routes, transform steps and load settings that name things that do not exist, are
 * reserved words, or are of another kind. Each is wrong whatever else the config says.
 */
import { RESERVED_NAMES } from './tree-mutations.js';
import { at, pairs, sourceNames, type Target } from './target.js';
import { addAlertChannels, addClinicalConnection, CANARY_VAR, type Workspace } from './workspace.js';

const someSource = (key: string) => (ws: Workspace) => sourceNames(ws).map((s) => ['sources', s, key]);
const NOT_A_NAME = ['nosuch', '', 'bad name', 'Ünï', null, 1, ...RESERVED_NAMES];

const sources: Target[] = [
  { what: 'source connection', paths: someSource('connection'), values: NOT_A_NAME },
  { what: 'source query', paths: someSource('query'), values: NOT_A_NAME },
  {
    what: 'source primary_key',
    paths: someSource('primary_key'),
    values: [[], 'id', [1], [''], [null], ['a b']],
  },
  {
    what: 'source mode',
    paths: someSource('mode'),
    values: ['refresh', 'INCREMENTAL', '', null, 'sometimes'],
  },
  { what: 'source enabled', paths: someSource('enabled'), values: ['yes', 1, 'true ', null] },
  {
    what: 'source params',
    paths: someSource('params'),
    values: [
      { x: [1] },
      { x: { a: 1 } },
      { x: null },
      { 'bad-name': 1 },
      [],
      ...RESERVED_NAMES.map((n) => ({ [n]: 1 })),
    ],
  },
  {
    what: 'source pii_columns',
    paths: someSource('pii_columns'),
    values: ['patient_id', [1], ['bad name'], [null]],
  },
  { what: 'source cursor_column', paths: someSource('cursor_column'), values: ['', 1, ['updated_at']] },
  { what: 'source unknown key', paths: someSource('primary_keys'), values: [['id']] },
  {
    what: 'default connection',
    paths: () => at('extraction.default_connection'),
    values: ['nosuch', '', ...RESERVED_NAMES],
  },
  { what: 'default mode', paths: () => at('extraction.default_mode'), values: ['refresh', 'sometimes', ''] },
  // Incremental with no cursor: the shipped config sets the cursor, so remove it and force the mode.
  ...pairs('incremental without cursor', [
    ['sources.patients', { connection: 'demo', primary_key: ['patient_id'], mode: 'incremental' }],
  ]),
];

/** One check appended to a source's list; each is malformed or names what does not exist. */
const BAD_CHECKS: unknown[] = [
  { check: 'not_nul', columns: ['nric'] },
  { check: 'row_count', severity: 'fatal' },
  { check: 'row_count', fail: '5 percent' },
  { check: 'row_count', fail: -1 },
  { check: 'row_count', min: -1 },
  { check: 'row_count', anomaly: { window: 0 } },
  { check: 'references', column: 'patient_id', source: 'nosuch' },
  ...RESERVED_NAMES.map((n) => ({ check: 'references', column: 'patient_id', source: n })),
  { check: 'accepted_values', column: 'sex', values: [] },
  { check: 'pattern', column: 'nric', regex: '([' },
  { check: 'dates', column: 'visit_date', not_future: '-1d' },
  { check: 'range', column: 'fee', min: 'yesterday' },
  { check: 'unique', columns: [] },
  { check: 'not_null', columns: ['nric'], values: [1] },
  { check: 'type', columns: { nric: 'varchar' } },
  { check: 'row_count', name: 'bad name' },
  'row_count',
  null,
];

const validation: Target[] = [
  {
    what: 'bad check',
    paths: (ws) => sourceNames(ws).map((s) => ['validation', 'sources', s, 999]),
    values: BAD_CHECKS,
  },
  {
    what: 'checks for an unknown source',
    paths: () => [...['nosuch', ...RESERVED_NAMES].map((n) => ['validation', 'sources', n])],
    values: [[{ check: 'row_count', min: 1 }]],
  },
  ...pairs('bad validation setting', [
    ['validation.stop_on_critical', 'yes'],
    ['validation.mask_columns', 'nric'],
    ['validation.mask_columns', ['bad name']],
    ['validation.html', 1],
  ]),
];

const schedules: Target[] = [
  {
    what: 'job sources',
    paths: () => at('schedules.monthly_reference.sources'),
    values: [['nosuch'], [], 'patients', ['patients', 'nosuch'], ...RESERVED_NAMES.map((n) => [n])],
  },
  {
    what: 'job setting',
    paths: () => at('schedules.monthly_reference.mode', 'schedules.weekly_refresh.mode'),
    values: ['hourly', 'INCREMENTAL', '', null],
  },
  ...pairs('job setting', [
    ['schedules.monthly_reference.formats', ['docx']],
    ['schedules.monthly_reference.formats', []],
    ['schedules.monthly_reference.catch_up', 'yes'],
    ['schedules.monthly_reference.enabled', 'no'],
    ['schedules.monthly_reference.unknown', 1],
  ]),
  {
    what: 'job name',
    paths: () => [...['bad-name', 'bad name', '1st', ...RESERVED_NAMES].map((n) => ['schedules', n])],
    values: [{ cron: '0 2 * * *', mode: 'full', sources: ['polyclinics'] }],
  },
];

const canaryRef = `\${${CANARY_VAR}}`;
const alerts: Target[] = [
  {
    what: 'bad alert channel',
    prepare: addAlertChannels,
    paths: () => at('alerts.channels.fuzz'),
    values: [
      { type: 'pager', url: 'http://127.0.0.1:1/x' },
      { type: 'slack' },
      { type: 'slack', url: 'ftp://127.0.0.1/x' },
      { type: 'slack', url: 'not a url' },
      { type: 'slack', url: 'http://' },
      { type: 'slack', url: 'javascript:alert(1)' },
      { type: 'slack', url: `not-a-url-${canaryRef}` }, // the canary rides in a refused URL
      { type: 'teams', url: 'https://127.0.0.1:1/x', payload: 'card' },
      { type: 'email', smtp: { host: 'h' }, from: 'nobody', to: ['a@example.org'] },
      { type: 'email', smtp: { host: 'h' }, from: 'a@example.org', to: [] },
      { type: 'email', smtp: { host: 'h', port: 465 }, from: 'a@example.org', to: ['b@example.org'] },
      {
        type: 'email',
        smtp: { host: 'h', password: canaryRef },
        from: 'a@example.org',
        to: ['b@example.org'],
      },
      { type: 'webhook', url: 'http://127.0.0.1:1/', headers: { 'Bad Header': canaryRef } },
      { type: 'webhook', url: 'http://127.0.0.1:1/', headers: { Authorization: [canaryRef] } },
    ],
  },
  {
    what: 'bad alert route',
    prepare: addAlertChannels,
    paths: () => at('alerts.routes'),
    values: [
      [{ channels: ['nosuch'] }],
      [{ channels: ['ops_slak'] }],
      ...RESERVED_NAMES.map((n) => [{ channels: [n] }]),
      [{ events: ['run_failed'], channels: ['ops_slack'] }],
      [{ channels: [] }],
      [],
      [{ channels: ['ops_slack'], min_severity: 'fatal' }],
    ],
  },
];

const transform: Target[] = [
  {
    what: 'bad transform step',
    paths: () => at('transform.sources.patients.steps'),
    values: [
      [{ step: 'uppercase' }],
      [{ step: 'derive', kind: 'bmi', name: 'bmi', from: 'weight' }],
      [{ step: 'trim', columns: [] }],
      [{ step: 'case', columns: ['nric'], to: 'title' }],
      [{ step: 'map', column: 'sex', values: { M: 1 } }],
      [{ step: 'trim', column: 'nric' }],
      [{ step: 'derive', kind: 'age', name: 'age', from: 'date_of_birth' }],
      { step: 'trim' },
    ],
  },
  {
    what: 'bad transform setting',
    paths: () => at('transform.sources.patients.pii'),
    values: [{ nric: 'hash' }, { nric: { generalise: 'decade' } }, { nric: null }, ['nric']],
  },
  ...pairs('bad transform setting', [
    ['transform.profile', 'anonymous'],
    // Sources list pii_columns, and under deidentified each needs a policy: here none has one.
    ['transform', { profile: 'deidentified', sources: {} }],
    ['transform.pseudonym_key_env', 'lowercase-with-dash'],
    ['transform.pseudonym_key_env', ''],
  ]),
  {
    what: 'transform for an unknown source',
    paths: () => [...['nosuch', ...RESERVED_NAMES].map((n) => ['transform', 'sources', n])],
    values: [{}],
  },
];

const load: Target[] = [
  {
    what: 'load for an unknown source',
    paths: () => [...['nosuch', ...RESERVED_NAMES].map((n) => ['load', 'sources', n])],
    values: [{}],
  },
  {
    what: 'bad partitioning',
    paths: () => at('load.sources.attendances.partition_by'),
    values: [
      { column: 'visit_date', granularity: 'week' },
      { column: 'visit_date', name: 'visit_date' },
      { granularity: 'month' },
      'visit_date',
    ],
  },
];

/** A secret pasted where a name belongs, and a referenced secret that is not set. */
const secrets: Target[] = [
  {
    what: 'key pasted as pseudonym_key_env',
    paths: () => at('transform.pseudonym_key_env'),
    values: [(ws: Workspace) => ws.canary],
  },
  ...pairs(
    'password of the wrong type',
    [['connections.clinical.password', [canaryRef]]],
    addClinicalConnection,
  ),
  ...pairs(
    'password of the wrong type',
    [['connections.clinical.password', { value: canaryRef }]],
    addClinicalConnection,
  ),
];

export const REFERENCE_TARGETS: readonly (readonly Target[])[] = [
  sources,
  validation,
  schedules,
  alerts,
  transform,
  load,
  secrets,
];
