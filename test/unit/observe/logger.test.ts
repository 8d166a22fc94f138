import { lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { Secret } from '../../../src/config/secret.js';
import {
  closeLogger,
  createLogger,
  flushLogger,
  logFiles,
  writeAuditLine,
  type LoggerOptions,
} from '../../../src/observe/logger.js';
import { records, tempDir } from './fixtures.js';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

function setup(over: Partial<LoggerOptions> = {}) {
  const t = tempDir();
  cleanups.push(t.cleanup);
  let console = '';
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      console += chunk.toString();
      done();
    },
  });
  const dir = path.join(t.dir, 'logs');
  const log = createLogger({ level: 'info', directory: dir, console: sink, ...over });
  return { dir, log, console: () => console };
}

describe('createLogger: three files', () => {
  it('extraction.log takes its level, errors.log error and fatal, audit.log only audit records', async () => {
    const { dir, log, console } = setup();
    log.debug('not written anywhere');
    log.info({ source: 'attendances' }, 'extracted');
    log.child({ step: 'validate' }).warn('slow query');
    log.error({ err: new Error('connection refused') }, 'source failed');
    log.fatal('out of disk');
    expect(writeAuditLine(log, { command: 'run', exit_code: 1 })).toBe(true);
    await closeLogger(log);

    const extraction = records(path.join(dir, 'extraction.log'));
    expect(extraction.map((r) => r.msg)).toEqual(['extracted', 'slow query', 'source failed', 'out of disk']);
    expect(extraction[0]).toMatchObject({ app: 'moh-etl', level: 30, source: 'attendances' });
    const errors = records(path.join(dir, 'errors.log'));
    expect(errors.map((r) => [r.level, r.msg])).toEqual([
      [50, 'source failed'],
      [60, 'out of disk'],
    ]);
    const audit = records(path.join(dir, 'audit.log'));
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ msg: 'audit', command: 'run', exit_code: 1 });
    // The console is for people: short lines, warn and above.
    expect(console()).toBe('warn  slow query\nerror source failed: connection refused\nfatal out of disk\n');
  });

  it('names each file <log>.<day>.<n>.log, links <log>.log to it, and reports the files in use', async () => {
    const { dir, log } = setup();
    log.info('hello');
    await flushLogger(log);
    const day = new Date();
    const stamp = `${day.getFullYear()}-${String(day.getMonth() + 1).padStart(2, '0')}-${String(day.getDate()).padStart(2, '0')}`;
    for (const base of ['extraction', 'errors', 'audit']) {
      const link = path.join(dir, `${base}.log`);
      expect(lstatSync(link).isSymbolicLink()).toBe(true);
      expect(readlinkSync(link)).toMatch(new RegExp(`^${base}\\.${stamp}\\.\\d+\\.log$`));
    }
    expect(
      logFiles(log)
        .map((f) => path.basename(f))
        .sort(),
    ).toEqual(['audit', 'errors', 'extraction'].map((b) => readlinkSync(path.join(dir, `${b}.log`))).sort());
    await closeLogger(log);
  });

  it('a registered secret reaches no file and not the console, by value or by key', async () => {
    const canary = new Secret('canary-Pw-5e1f0b');
    const { dir, log, console } = setup({ level: 'trace', consoleLevel: 'trace' });
    log.info(
      { password: canary.reveal(), connection: { url: `postgres://u:${canary.reveal()}@db/x` } },
      'connect',
    );
    log.error(`driver said: password ${canary.reveal()} rejected`);
    log.debug({ nested: { password: 'plain-but-keyed' } }, 'keyed');
    writeAuditLine(log, { argv: ['run', canary.reveal()] });
    await closeLogger(log);
    const everything = readdirSync(dir)
      .map((f) => readFileSync(path.join(dir, f), 'utf8'))
      .join('\n');
    expect(everything).toContain('connect');
    expect(everything).toContain('rejected');
    expect(everything + console()).not.toContain(canary.reveal());
    expect(everything).not.toContain('plain-but-keyed');
  });

  it('lines logged before the files open wait for them, and lines after close are still appended', async () => {
    const { dir, log } = setup();
    log.info('first, before the file is open');
    expect(logFiles(log)).toEqual([]);
    await closeLogger(log);
    log.info('after close');
    const msgs = records(path.join(dir, 'extraction.log')).map((r) => r.msg);
    expect(msgs).toEqual(['first, before the file is open', 'after close']);
  });

  it('without a directory: console only, and flush/close/audit are no-ops', async () => {
    let out = '';
    const sink = new Writable({
      write(c: Buffer, _e, done) {
        out += c.toString();
        done();
      },
    });
    const log = createLogger({ level: 'info', console: sink });
    log.warn('careful');
    expect(writeAuditLine(log, { command: 'x' })).toBe(false);
    await flushLogger(log);
    await closeLogger(log);
    expect(out).toBe('warn  careful\n');
  });

  it('a file that cannot be opened is said once on the console; the other files go on', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const dir = path.join(t.dir, 'logs');
    const d = new Date();
    const stamp = [d.getFullYear(), d.getMonth() + 1, d.getDate()]
      .map((n) => String(n).padStart(2, '0'))
      .join('-');
    // A directory where today's extraction file would go.
    mkdirSync(path.join(dir, `extraction.${stamp}.1.log`), { recursive: true });
    let out = '';
    const sink = new Writable({
      write(c: Buffer, _e, done) {
        out += c.toString();
        done();
      },
    });
    const log = createLogger({ level: 'info', directory: dir, console: sink, consoleLevel: 'fatal' });
    log.info('lost');
    log.error('kept in errors.log');
    log.info('lost too');
    await closeLogger(log);
    expect(out).toMatch(
      /^error cannot write .*extraction\.log: a directory stands where a file is expected; its next lines are dropped \(move the directory away.*\(logging\.directory\)\)\n$/,
    );
    expect(records(path.join(dir, 'errors.log')).map((r) => r.msg)).toEqual(['kept in errors.log']);
  });

  it('an unwritable directory is an OutputError naming the setting, at once', () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const file = path.join(t.dir, 'not-a-dir');
    writeFileSync(file, 'x');
    expect(() => createLogger({ level: 'info', directory: path.join(file, 'logs') })).toThrow(
      /cannot create directory .*not-a-dir\/logs/,
    );
  });
});

describe('createLogger: error causes', () => {
  it('tells a cause once: not again when the message already quotes it, appended when it does not', async () => {
    const { dir, log, console } = setup();
    const quoted = new Error('part-00000.parquet: column "d" (date): text of 8 characters is not a date', {
      cause: new Error('text of 8 characters is not a date'),
    });
    const wrapped = new Error('source "attendances" could not connect', {
      cause: new Error('connect ECONNREFUSED 127.0.0.1:5432'),
    });
    log.error({ err: quoted }, 'source failed');
    log.error({ err: wrapped }, 'source failed');
    await closeLogger(log);
    const errors = records(path.join(dir, 'errors.log'));
    expect(errors.map((r) => (r.err as { message: string }).message)).toEqual([
      'part-00000.parquet: column "d" (date): text of 8 characters is not a date',
      'source "attendances" could not connect: connect ECONNREFUSED 127.0.0.1:5432',
    ]);
    expect(console().match(/is not a date/g)).toHaveLength(1);
    expect(console()).toContain('could not connect: connect ECONNREFUSED');
  });
});
