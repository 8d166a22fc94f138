/**
 * DuckDB errors in the house's terms: a full disk (the message DuckDB 1.5 gives on a full tmpfs) is
 * an OutputError naming the path; out of memory says which setting to raise; an error that can quote
 * a cell value keeps only its kind.
 */
import { describe, expect, it } from 'vitest';
import { OutputError } from '../../../src/errors.js';
import { engineErrorKind, engineFailure } from '../../../src/load/engine-errors.js';
import { LoadFailed } from '../../../src/load/errors.js';

const settings = { memoryLimit: '256MB', tempDirectory: '/data/archive/attendances/.work-v1/spill' };

describe('engineFailure', () => {
  it('turns ENOSPC into an OutputError naming the path', () => {
    const e = engineFailure(
      new Error('IO Error: Could not write file "/data/archive/x/out.parquet": No space left on device'),
      settings,
    );
    expect(e).toBeInstanceOf(OutputError);
    expect(e.message).toBe(`no space left on device writing ${settings.tempDirectory} or the dataset`);
    expect((e as OutputError).hint).toMatch(/free space/);
  });

  it('says which setting to raise when out of memory', () => {
    const e = engineFailure(
      new Error('Out of Memory Error: failed to allocate data of size 14.2 MiB (234.5 MiB/244.1 MiB used)'),
      settings,
    );
    expect(e).toBeInstanceOf(LoadFailed);
    expect(e.message).toContain('at 256MB (load.memory_limit');
    expect((e as LoadFailed).hint).toMatch(/load\.memory_budget/);
  });

  it('never repeats a value quoted by a conversion error', () => {
    const e = engineFailure(
      new Error("Conversion Error: Could not convert string 'S1234567A' to INT64"),
      settings,
    );
    expect(e.message).not.toContain('S1234567A');
    expect(e.message).toContain('Conversion Error');
    expect((e as LoadFailed).cause).toBeUndefined();
  });

  it('keeps the first line of other errors (paths and names, no data)', () => {
    const e = engineFailure(new Error('Binder Error: Referenced column "x" not found\nLINE 1: …'), settings);
    expect(e.message).toBe('the load engine failed: Binder Error: Referenced column "x" not found');
    expect(engineErrorKind('IO Error: nope')).toBe('IO Error');
    expect(engineErrorKind('plain')).toBeUndefined();
  });
});
