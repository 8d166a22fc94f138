import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { Secret } from '../../../src/config/secret.js';
import { auditRecord, buildAuditRecord } from '../../../src/observe/audit.js';
import { closeLogger, createLogger, silentLogger } from '../../../src/observe/logger.js';
import { redactArgv } from '../../../src/observe/redact-argv.js';
import { records, runRecord, source, tempDir, writeRunFiles } from './fixtures.js';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

function project() {
  const t = tempDir();
  cleanups.push(t.cleanup);
  mkdirSync(path.join(t.dir, 'config'));
  writeFileSync(path.join(t.dir, 'config/database.yml'), 'sources: {}\n');
  writeFileSync(path.join(t.dir, 'config/queries.yml'), 'q: {sql: select 1}\n');
  const att = writeRunFiles(t.dir, 'attendances', [
    { rows: 3, content: 'a\nb\nc\n' },
    { rows: 1, content: 'd\n' },
  ]);
  const record = runRecord(
    [
      source('attendances', {
        rows: 4,
        files: att.files,
        manifest: att.manifest,
        phases: {
          extract: { status: 'succeeded', rows_in: 4, rows_out: 4, duration_ms: 10 },
          load: { status: 'succeeded', rows_in: 4, rows_out: 4, duration_ms: 5, version: 'v7' },
        },
      }),
      source('patients', { status: 'failed', rows: 0, error: 'connection refused' }),
    ],
    { job: 'nightly', trigger: 'schedule', exit_code: 1, range: { start: '2025-02-01', end: '2025-02-28' } },
  );
  return { root: t.dir, record };
}

describe('buildAuditRecord', () => {
  it('who, what, on what and with what result: hashes of config and files, rows, versions, exit code', async () => {
    const { root, record } = project();
    const started = new Date('2025-03-01T01:00:00Z');
    const a = await buildAuditRecord({
      command: 'run',
      argv: ['run', '--job', 'nightly'],
      exitCode: 1,
      started,
      finished: new Date('2025-03-01T01:00:12.5Z'),
      configFile: path.join(root, 'config/database.yml'),
      queriesFile: path.join(root, 'config/queries.yml'),
      root,
      record,
    });
    expect(a).toMatchObject({
      audit_version: 1,
      host: hostname(),
      pid: process.pid,
      command: 'run',
      argv: ['run', '--job', 'nightly'],
      run_id: record.run_id,
      trigger: 'schedule',
      job: 'nightly',
      status: 'failed',
      range: { start: '2025-02-01', end: '2025-02-28' },
      rows: 4,
      exit_code: 1,
      duration_ms: 12_500,
    });
    expect(a.user.length).toBeGreaterThan(0);
    expect(a.config).toEqual([
      { file: 'config/database.yml', sha256: sha('sources: {}\n') },
      { file: 'config/queries.yml', sha256: sha('q: {sql: select 1}\n') },
    ]);
    const [att, pat] = a.sources;
    expect(att).toMatchObject({ source: 'attendances', rows: 4, loaded_rows: 4, dataset_version: 'v7' });
    expect(att!.range).toEqual({ start: '2025-02-01', end: '2025-02-28' });
    expect(att!.files.map((f) => [f.path, f.rows, f.bytes])).toEqual([
      ['data/raw/attendances/extract_date=2025-03-01/20250301T010000Z-abcd/part-00000.csv', 3, 6],
      ['data/raw/attendances/extract_date=2025-03-01/20250301T010000Z-abcd/part-00001.csv', 1, 2],
    ]);
    expect(att!.files[0]!.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(pat).toEqual({ source: 'patients', status: 'failed', mode: 'incremental', rows: 0, files: [] });
    // Key values and the high-water mark in the manifest are cell values: never in the audit.
    expect(JSON.stringify(a)).not.toContain('S1234567D');
  });

  it('a missing config file hashes as null; no record: no sources', async () => {
    const a = await buildAuditRecord({
      command: 'check',
      argv: ['check'],
      exitCode: 0,
      started: new Date(),
      configFile: '/nonexistent/database.yml',
    });
    expect(a.config).toEqual([{ file: '/nonexistent/database.yml', sha256: null }]);
    expect(a.sources).toEqual([]);
    expect(a.run_id).toBeUndefined();
  });
});

describe('auditRecord', () => {
  it('writes exactly one line, to audit.log only, with the command line redacted', async () => {
    const { root, record } = project();
    const canary = new Secret('canary-audit-77aa');
    const dir = path.join(root, 'logs');
    const log = createLogger({
      level: 'info',
      directory: dir,
      console: new Writable({ write: (_c, _e, d) => d() }),
    });
    const written = await auditRecord(log, {
      command: 'run',
      argv: ['run', '--password', 'hunter22', `--note=${canary.reveal()}`],
      exitCode: 0,
      started: new Date(),
      root,
      record,
    });
    await closeLogger(log);
    expect(written?.argv).toEqual(['run', '--password', '***', '--note=***']);
    const audit = records(path.join(dir, 'audit.log'));
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ msg: 'audit', command: 'run', run_id: record.run_id });
    expect(readFileSync(path.join(dir, 'extraction.log'), 'utf8')).toBe('');
    const all = readdirSync(dir)
      .map((f) => readFileSync(path.join(dir, f), 'utf8'))
      .join('');
    expect(all).not.toContain('hunter22');
    expect(all).not.toContain(canary.reveal());
  });

  it('a logger without files (dry run) writes nothing and says so', async () => {
    expect(
      await auditRecord(silentLogger(), { command: 'extract', argv: [], exitCode: 0, started: new Date() }),
    ).toBe(undefined);
  });
});

describe('redactArgv', () => {
  it('masks secret-looking flags (both forms), URL passwords and registered secrets, and nothing else', () => {
    new Secret('s3cr3t-value');
    expect(
      redactArgv([
        'extract',
        '--sources',
        'attendances',
        '--db-url',
        'postgres://u:p@h/db',
        '--api-token=abc',
        '--config',
        'config/database.yml',
        'see postgres://etl:pa55@db:5432/moh',
        'value s3cr3t-value here',
        '--password',
      ]),
    ).toEqual([
      'extract',
      '--sources',
      'attendances',
      '--db-url',
      '***',
      '--api-token=***',
      '--config',
      'config/database.yml',
      'see postgres://etl:***@db:5432/moh',
      'value *** here',
      '--password',
    ]);
  });

  it('writes values that may be data (watermarks, ad-hoc SQL, WHERE, parameters) as digests', () => {
    const argv = [
      'state',
      'set',
      'patients',
      '--watermark',
      '2025-01-01T00:00:00,S1234567A',
      '--where=nric = :n',
      '--param',
      'n=S7654321B',
    ];
    const out = redactArgv(argv);
    expect(out.join(' ')).not.toMatch(/S1234567A|S7654321B|nric/);
    expect(out).toEqual([
      'state',
      'set',
      'patients',
      '--watermark',
      `sha256:${sha('2025-01-01T00:00:00,S1234567A').slice(0, 16)}`,
      `--where=sha256:${sha('nric = :n').slice(0, 16)}`,
      '--param',
      `sha256:${sha('n=S7654321B').slice(0, 16)}`,
    ]);
  });
});
