/** The order sources go through the pipeline: a concurrency limit, and references waited for. */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { concurrencyFor, runInOrder, sourceDependencies } from '../../../src/pipeline/source-order.js';

type Config = Parameters<typeof sourceDependencies>[0];
const references = (source: string, scope = 'dataset') => ({
  check: 'references',
  column: 'x_id',
  source,
  scope,
});

describe('sourceDependencies', () => {
  it('waits for earlier sources named by dataset-scope references, not increment ones or later ones', () => {
    const config = {
      validation: {
        sources: {
          visits: [references('patients'), references('clinics', 'increment')],
          diagnoses: [references('visits'), references('visits'), references('codes')],
          patients: [references('diagnoses')],
        },
      },
    } as unknown as Config;
    const deps = sourceDependencies(config, ['clinics', 'patients', 'visits', 'diagnoses', 'codes']);
    expect(Object.fromEntries(deps)).toEqual({
      clinics: [],
      patients: [], // diagnoses comes later: no cycle, its previous version is checked
      visits: ['patients'],
      diagnoses: ['visits'], // codes comes later
      codes: [],
    });
  });
});

describe('runInOrder', () => {
  it('runs at most `limit` at once, each after what it depends on, results in the asked order', async () => {
    const log: string[] = [];
    let running = 0;
    let most = 0;
    const work = async (name: string) => {
      running++;
      most = Math.max(most, running);
      log.push(`start ${name}`);
      await sleep(name === 'a' ? 40 : 10);
      log.push(`end ${name}`);
      running--;
      return name.toUpperCase();
    };
    const deps = new Map([['c', ['a']]]);
    const results = await runInOrder(['a', 'b', 'c', 'd'], deps, 2, () => false, work);
    expect(results).toEqual(['A', 'B', 'C', 'D']);
    expect(most).toBe(2);
    expect(log.indexOf('start c')).toBeGreaterThan(log.indexOf('end a'));
    // d did not wait for c's dependency: it took b's slot.
    expect(log.indexOf('start d')).toBeLessThan(log.indexOf('end a'));
  });

  it('starts nothing more once stopped; work that throws (an internal error) fails the whole run', async () => {
    let stop = false;
    const started: string[] = [];
    const results = await runInOrder(
      ['a', 'b', 'c'],
      new Map(),
      1,
      () => stop,
      async (name) => {
        await sleep(1);
        started.push(name);
        if (name === 'a') stop = true;
        return name;
      },
    );
    expect(started).toEqual(['a']);
    expect(results).toEqual(['a']);

    const failing = runInOrder(
      ['a', 'b'],
      new Map([['b', ['a']]]),
      2,
      () => false,
      async (name) => {
        await sleep(1);
        if (name === 'a') throw new Error('boom');
        return name;
      },
    );
    await expect(failing).rejects.toThrow('boom');
  });
});

describe('concurrencyFor', () => {
  const config = (client: string, concurrency: number, max = 4) =>
    ({
      extraction: { concurrency },
      connections: { c: client === 'sqlite' ? { client } : { client, pool: { min: 0, max } } },
      sources: { a: { connection: 'c' }, b: { connection: 'c' } },
    }) as unknown as Parameters<typeof concurrencyFor>[0];
  it('is extraction.concurrency within half of each pool, and 1 on SQLite', () => {
    expect(concurrencyFor(config('postgres', 2), ['a', 'b'])).toBe(2);
    expect(concurrencyFor(config('postgres', 8, 10), ['a', 'b'])).toBe(5);
    expect(concurrencyFor(config('mysql', 4, 1), ['a'])).toBe(1);
    expect(concurrencyFor(config('sqlite', 4), ['a', 'b'])).toBe(1);
  });
});
