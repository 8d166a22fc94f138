/** DuckDB's memory limit sized from what the process has left of load.memory_budget. */
import { describe, expect, it } from 'vitest';
import {
  budgetOf,
  ENGINE_BASE,
  ENGINE_FACTOR,
  engineMemory,
  MIN_LIMIT,
  parseSize,
  withinBudget,
} from '../../../src/load/memory-budget.js';

const MiB = 2 ** 20;
const kib = (text: string) => Number(/^(\d+)KiB$/.exec(text)?.[1]) * 1024;

describe('parseSize', () => {
  it('reads sizes as DuckDB does: decimal MB/GB, binary MiB/GiB, any case, spaces', () => {
    expect(parseSize('256MB')).toBe(256e6);
    expect(parseSize('1.5 GiB')).toBe(1.5 * 2 ** 30);
    expect(parseSize('96mib')).toBe(96 * MiB);
    expect(parseSize('512')).toBeUndefined();
    expect(parseSize('lots')).toBeUndefined();
  });
});

describe('engineMemory', () => {
  it('gives the engine what keeps the process within the budget, at most memory_limit', () => {
    const rss = 200 * MiB;
    const m = engineMemory('256MB', '512MB', rss);
    const expected = Math.floor((512e6 - rss - ENGINE_BASE) / ENGINE_FACTOR);
    expect(m.bytes).toBe(expected);
    expect(kib(m.limit)).toBe(Math.floor(expected / 1024) * 1024);
    expect(m.over).toBeUndefined();
    // The whole process at the engine's measured worst stays within the budget.
    expect(rss + ENGINE_FACTOR * m.bytes + ENGINE_BASE).toBeLessThanOrEqual(512e6);
  });

  it('keeps memory_limit when the budget leaves more than it', () => {
    expect(engineMemory('256MB', '4GB', 150 * MiB)).toEqual({ limit: '256MB', bytes: 256e6 });
  });

  it('never goes below the floor, and says the budget may be exceeded', () => {
    const m = engineMemory('256MB', '512MB', 400 * MiB);
    expect(m.bytes).toBe(MIN_LIMIT);
    expect(m.over).toMatch(/exceed load\.memory_budget \(512MB\)/);
  });

  it('lets a memory_limit under the floor stand', () => {
    const m = engineMemory('64MB', '512MB', 480 * MiB);
    expect(m.bytes).toBe(64e6);
    expect(m.over).toMatch(/memory_budget/);
  });

  it('without a budget ("none"), the limit is memory_limit whatever the process holds', () => {
    const none = budgetOf({ memory_budget: 'none' });
    expect(none).toBeUndefined();
    expect(engineMemory('256MB', none, 2 ** 40)).toEqual({ limit: '256MB', bytes: 256e6 });
    expect(budgetOf({})).toBeUndefined();
    expect(budgetOf({ memory_budget: '1GB' })).toBe('1GB');
  });

  it('measures the process itself by default', () => {
    // Whatever this process holds, the answer is between the floor and the maximum.
    const m = engineMemory('256MB', '512MB');
    expect(m.bytes).toBeGreaterThanOrEqual(MIN_LIMIT);
    expect(m.bytes).toBeLessThanOrEqual(256e6);
  });
});

describe('withinBudget', () => {
  class OutOfMemory extends Error {}
  const isOom = (e: unknown) => e instanceof OutOfMemory;

  it('runs again at memory_limit when the lowered limit runs out of memory, and says so', async () => {
    const limits: string[] = [];
    const told: string[] = [];
    const result = await withinBudget(
      '256MB',
      '1MB', // nothing left: the floor
      isOom,
      (limit) => {
        limits.push(limit);
        if (limits.length === 1) throw new OutOfMemory('Out of Memory Error');
        return Promise.resolve('loaded');
      },
      (m) => told.push(m),
    );
    expect(result).toBe('loaded');
    expect(limits).toEqual([`${MIN_LIMIT / 1024}KiB`, '256MB']);
    expect(told).toEqual([expect.stringMatching(/ran again at load\.memory_limit \(256MB\)/)]);
  });

  it('does not run again at memory_limit itself, nor for another error', async () => {
    let calls = 0;
    const failing = () => {
      calls++;
      return Promise.reject(new OutOfMemory('Out of Memory Error'));
    };
    await expect(withinBudget('256MB', undefined, isOom, failing, () => undefined)).rejects.toThrow(
      OutOfMemory,
    );
    expect(calls).toBe(1);
    const other = () => {
      calls++;
      return Promise.reject(new Error('IO Error'));
    };
    await expect(withinBudget('256MB', '1MB', isOom, other, () => undefined)).rejects.toThrow('IO Error');
    expect(calls).toBe(2);
  });
});
