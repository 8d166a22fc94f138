import { mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  adoptPlainFile,
  parseRolledName,
  periodStamp,
  pruneRolled,
  rolledFiles,
} from '../../../src/observe/log-names.js';
import { tempDir } from './fixtures.js';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

function dir(names: string[]): string {
  const t = tempDir();
  cleanups.push(t.cleanup);
  for (const n of names) writeFileSync(path.join(t.dir, n), n);
  return t.dir;
}

describe('rotated file names', () => {
  it('stamps in local time, daily or hourly', () => {
    const d = new Date(2025, 0, 31, 7, 5);
    expect(periodStamp(d, 'daily')).toBe('2025-01-31');
    expect(periodStamp(d, 'hourly')).toBe('2025-01-31-07');
  });

  it('parses only <base>.<stamp>.<n>.log of its own base', () => {
    expect(parseRolledName('errors', 'errors.2025-01-31.12.log')).toEqual({
      name: 'errors.2025-01-31.12.log',
      stamp: '2025-01-31',
      number: 12,
    });
    expect(parseRolledName('errors', 'errors.2025-01-31-23.1.log')?.stamp).toBe('2025-01-31-23');
    for (const other of [
      'errors.log',
      'extraction.2025-01-31.1.log',
      'errors.2025-01-31.log',
      'errors.2025-01-31.1.log.gz',
    ])
      expect(parseRolledName('errors', other)).toBeUndefined();
  });

  it('sorts by period then number, hourly after daily of the same day', () => {
    const d = dir([
      'a.2025-01-02.1.log',
      'a.2025-01-01.10.log',
      'a.2025-01-01.9.log',
      'a.2025-01-01-05.1.log',
    ]);
    expect(rolledFiles(d, 'a').map((f) => f.name)).toEqual([
      'a.2025-01-01.9.log',
      'a.2025-01-01.10.log',
      'a.2025-01-01-05.1.log',
      'a.2025-01-02.1.log',
    ]);
  });
});

describe('pruneRolled', () => {
  it('keeps the newest `keep`, never the file in use, and leaves other files alone', async () => {
    const d = dir([
      'x.2025-01-01.1.log',
      'x.2025-01-02.1.log',
      'x.2025-01-03.1.log',
      'y.2025-01-01.1.log',
      'x.txt',
    ]);
    expect(await pruneRolled(d, 'x', 1, 'x.2025-01-01.1.log')).toEqual(['x.2025-01-02.1.log']);
    expect(readdirSync(d).sort()).toEqual([
      'x.2025-01-01.1.log',
      'x.2025-01-03.1.log',
      'x.txt',
      'y.2025-01-01.1.log',
    ]);
  });
});

describe('adoptPlainFile', () => {
  it('renames an old plain <base>.log to number 0 of its day; leaves a link alone', () => {
    const d = dir(['audit.log']);
    const adopted = adoptPlainFile(d, 'audit', 'daily');
    expect(adopted).toMatch(/^audit\.\d{4}-\d{2}-\d{2}\.0\.log$/);
    expect(readdirSync(d)).toEqual([adopted]);
    mkdirSync(path.join(d, 'sub'));
    symlinkSync(adopted!, path.join(d, 'audit.log'));
    expect(adoptPlainFile(d, 'audit', 'daily')).toBeUndefined();
    expect(adoptPlainFile(path.join(d, 'sub'), 'audit', 'daily')).toBeUndefined();
  });
});
