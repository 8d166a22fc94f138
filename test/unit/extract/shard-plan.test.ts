import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { checkRunId, parseShard, shardDirectory } from '../../../src/extract/shard-plan.js';
import { shardBounds } from '../../../src/extract/split-bounds.js';
import { foreignRunDirectory } from '../../../src/write/layout.js';

describe('--shard i/n', () => {
  it('counts shards from 0, as the orchestrators do', () => {
    expect(parseShard('0/4')).toEqual({ index: 0, count: 4 });
    expect(parseShard(' 3/4 ')).toEqual({ index: 3, count: 4 });
    expect(parseShard('0/1')).toEqual({ index: 0, count: 1 });
  });

  it('refuses what is not a shard, saying that shards count from 0', () => {
    for (const bad of ['4/4', '1/0', '-1/4', 'a/4', '2', '0/2000', ''])
      expect(() => parseShard(bad), bad).toThrow(UsageError);
    expect(() => parseShard('4/4')).toThrow(/0 <= i < n/);
  });

  it('takes run ids that make safe directory names only', () => {
    expect(checkRunId('weekly-2025-03-01')).toBe('weekly-2025-03-01');
    expect(checkRunId('attendances-20250301T000000')).toBe('attendances-20250301T000000');
    for (const bad of ['../x', 'a/b', '.hidden', 'a..b', 'scheduled__2025-03-01T00:00:00+00:00', ''])
      expect(() => checkRunId(bad), bad).toThrow(UsageError);
  });

  it('writes each shard under _shards/<run>, which resume accepts as the source’s own directory', () => {
    const dir = shardDirectory('/out', 'events', 'r1', { index: 2, count: 4 });
    expect(dir).toBe(path.join('/out', 'events', '_shards', 'r1', 'shard-2-of-4'));
    expect(foreignRunDirectory(dir, '/out', 'events', 'r1')).toBeUndefined();
    expect(foreignRunDirectory(dir, '/out', 'events', 'r2')).toMatch(/is not events\/extract_date=…\/r2/);
    expect(foreignRunDirectory(dir, '/out', 'other', 'r1')).toBeDefined();
  });
});

describe('shard boundaries', () => {
  const int64 = { kind: 'int64' } as const;

  it('are exactly n - 1, equal ones making empty shards when the key space is narrow', () => {
    expect(shardBounds('1', '100', 4, int64)).toEqual(['26', '51', '76']);
    expect(shardBounds('1', '2', 4, int64)).toEqual(['2', '2', '2']);
    expect(shardBounds('5', '5', 3, int64)).toEqual(['5', '5']);
  });

  it('are none for keys that cannot be cut', () => {
    expect(shardBounds('a', 'z', 4, { kind: 'string' })).toEqual([]);
    expect(shardBounds(null, null, 4, int64)).toEqual([]);
  });
});
