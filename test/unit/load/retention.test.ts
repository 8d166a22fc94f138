/**
 * Retention decisions on a fake clock: keep the newest N archived versions, delete those superseded
 * longer ago than max_age, never the current version or one made after it.
 */
import { describe, expect, it } from 'vitest';
import { expiredVersions, type VersionStamp } from '../../../src/load/retention.js';

const DAY = 86_400_000;
const t0 = Date.parse('2025-01-01T00:00:00Z');
/** Versions 1…n, version k created k days after t0. */
const versions = (n: number): VersionStamp[] =>
  Array.from({ length: n }, (_, i) => ({
    version: `v${i + 1}`,
    seq: i + 1,
    created_at: new Date(t0 + (i + 1) * DAY).toISOString(),
  }));

describe('expiredVersions', () => {
  it('keeps the newest N archived versions besides the current one', () => {
    const all = versions(10);
    const now = new Date(t0 + 11 * DAY);
    expect(expiredVersions(all, all[9]!, { keep: 3, maxAgeMs: 365 * DAY }, now)).toEqual([
      'v6',
      'v5',
      'v4',
      'v3',
      'v2',
      'v1',
    ]);
    expect(expiredVersions(all, all[9]!, { keep: 0, maxAgeMs: 365 * DAY }, now)).toHaveLength(9);
    expect(expiredVersions(all, all[9]!, { keep: 100, maxAgeMs: 365 * DAY }, now)).toEqual([]);
  });

  it('measures age from when a version stopped being current', () => {
    const all = versions(4);
    // v1 was superseded on day 2, v2 on day 3, v3 on day 4; max age 7 days.
    const policy = { keep: 10, maxAgeMs: 7 * DAY };
    expect(expiredVersions(all, all[3]!, policy, new Date(t0 + 10 * DAY))).toEqual(['v1']);
    expect(expiredVersions(all, all[3]!, policy, new Date(t0 + 10 * DAY + 1))).toEqual(['v2', 'v1']);
    // A version made long ago but current until yesterday stays.
    const old: VersionStamp[] = [
      { version: 'v1', seq: 1, created_at: new Date(t0).toISOString() },
      { version: 'v2', seq: 2, created_at: new Date(t0 + 400 * DAY).toISOString() },
    ];
    expect(expiredVersions(old, old[1]!, { keep: 5, maxAgeMs: 90 * DAY }, new Date(t0 + 401 * DAY))).toEqual(
      [],
    );
  });

  it('never returns the current version or versions after it', () => {
    const all = versions(5);
    const now = new Date(t0 + 1000 * DAY);
    expect(expiredVersions(all, all[2]!, { keep: 0, maxAgeMs: 0 }, now)).toEqual(['v2', 'v1']);
  });
});
