import {
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { setImmediate as tick } from 'node:timers/promises';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { closeLogger, createLogger, flushLogger, type Logger } from '../../../src/observe/logger.js';
import { parseRolledName, rolledFiles } from '../../../src/observe/log-names.js';
import { records, tempDir } from './fixtures.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  vi.useRealTimers();
  cleanups.splice(0).forEach((c) => c());
});

const quiet = new Writable({ write: (_c, _e, done) => done() });

function logsDir(): string {
  const t = tempDir();
  cleanups.push(t.cleanup);
  return path.join(t.dir, 'var', 'logs');
}

/** Oldest first, by day then number. */
const rolled = (dir: string, base: string) => rolledFiles(dir, base).map((f) => f.name);

/** Log `n` lines, yielding now and then: pino-roll rotates between writes, not inside a burst. */
async function logLines(log: Logger, n: number, from = 0): Promise<void> {
  for (let i = from; i < from + n; i++) {
    log.info({ i, pad: 'x'.repeat(80) }, 'line');
    if (i % 5 === 0) await tick();
  }
}

describe('rotation and retention', () => {
  it('rotates by size and keeps `keep` files per log, the current one included; no line is lost in between', async () => {
    const dir = logsDir();
    const log = createLogger({
      level: 'info',
      directory: dir,
      console: quiet,
      rotation: { maxBytes: 2048, keep: 3 },
    });
    await logLines(log, 400);
    await closeLogger(log);
    const files = rolled(dir, 'extraction');
    expect(files).toHaveLength(3);
    // Numbers went far past 3: files were created and the oldest deleted.
    expect(parseRolledName('extraction', files.at(-1)!)!.number).toBeGreaterThan(10);
    expect(readlinkSync(path.join(dir, 'extraction.log'))).toBe(files.at(-1));
    // The kept files hold the newest lines, consecutive, none lost at a rotation.
    const kept = files.flatMap((f) => records(path.join(dir, f)).map((r) => r.i as number));
    expect(kept.at(-1)).toBe(399);
    expect(kept).toEqual(kept.map((_, k) => kept[0]! + k));
    for (const f of files) expect(statSync(path.join(dir, f)).size).toBeLessThan(2048 * 3);
    // errors.log had nothing to rotate: one (empty) file.
    expect(rolled(dir, 'errors')).toHaveLength(1);
  });

  it('prunes old files when a log opens (a short CLI run rarely rotates) and adopts an old plain file', async () => {
    const dir = logsDir();
    mkdirSync(dir, { recursive: true });
    for (let d = 1; d <= 9; d++)
      writeFileSync(path.join(dir, `extraction.2020-01-0${d}.1.log`), `{"day":${d}}\n`);
    writeFileSync(path.join(dir, 'extraction.log'), '{"legacy":true}\n');
    writeFileSync(path.join(dir, 'extraction.notes.txt'), 'not a log of ours');
    const log = createLogger({ level: 'info', directory: dir, console: quiet, rotation: { keep: 4 } });
    log.info('today');
    await closeLogger(log);
    const files = rolled(dir, 'extraction');
    expect(files).toHaveLength(4);
    expect(files.slice(0, 2)).toEqual(['extraction.2020-01-08.1.log', 'extraction.2020-01-09.1.log']);
    // The plain file became number 0 of its day (then kept, being among the newest).
    expect(files.some((f) => parseRolledName('extraction', f)!.number === 0)).toBe(true);
    expect(lstatSync(path.join(dir, 'extraction.log')).isSymbolicLink()).toBe(true);
    expect(readdirSync(dir)).toContain('extraction.notes.txt');
  });

  it('starts a new file each day: a process on the next day does not append to yesterday', async () => {
    const dir = logsDir();
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date(2030, 0, 1, 10, 0, 0));
    const day1 = createLogger({ level: 'info', directory: dir, console: quiet });
    day1.info('day one');
    await closeLogger(day1);
    vi.setSystemTime(new Date(2030, 0, 2, 9, 0, 0));
    const day2 = createLogger({ level: 'info', directory: dir, console: quiet });
    day2.info('day two');
    await closeLogger(day2);
    expect(records(path.join(dir, 'extraction.2030-01-01.1.log')).map((r) => r.msg)).toEqual(['day one']);
    expect(records(path.join(dir, 'extraction.2030-01-02.1.log')).map((r) => r.msg)).toEqual(['day two']);
  });

  it('rolls at midnight inside a long-running process', async () => {
    const dir = logsDir();
    vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout'] });
    vi.setSystemTime(new Date(2030, 0, 1, 23, 59, 58));
    const log = createLogger({ level: 'info', directory: dir, console: quiet });
    await flushLogger(log);
    log.info('before midnight');
    vi.advanceTimersByTime(5000);
    await vi.waitFor(() => expect(readlinkSync(path.join(dir, 'extraction.log'))).toMatch(/2030-01-02/));
    log.info('after midnight');
    await closeLogger(log);
    expect(records(path.join(dir, 'extraction.2030-01-01.1.log')).map((r) => r.msg)).toEqual([
      'before midnight',
    ]);
    const next = rolled(dir, 'extraction').find((f) => f.includes('2030-01-02'))!;
    expect(records(path.join(dir, next)).map((r) => r.msg)).toEqual(['after midnight']);
  });
});

describe('file modes', () => {
  it('under umask 000: directories 0750, files (rotated ones too) 0640', async () => {
    const dir = logsDir();
    const old = process.umask(0);
    try {
      const log = createLogger({
        level: 'info',
        directory: dir,
        console: quiet,
        rotation: { maxBytes: 1024, keep: 5 },
      });
      await logLines(log, 60);
      log.error('an error');
      await closeLogger(log);
    } finally {
      process.umask(old);
    }
    expect(statSync(dir).mode & 0o777).toBe(0o750);
    expect(statSync(path.dirname(dir)).mode & 0o777).toBe(0o750);
    const files = readdirSync(dir).filter((f) => !lstatSync(path.join(dir, f)).isSymbolicLink());
    expect(files.length).toBeGreaterThan(3);
    for (const f of files) expect([f, statSync(path.join(dir, f)).mode & 0o777]).toEqual([f, 0o640]);
    expect(readFileSync(path.join(dir, 'errors.log'), 'utf8')).toContain('an error');
  });
});
