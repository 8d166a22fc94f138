/** Extractions side by side, loads alone: the readers–writer gate of the pipeline. */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { PhaseGate } from '../../../src/pipeline/phase-gate.js';

/** A task that records when it starts and ends, and ends when told. */
function task(log: string[], name: string) {
  let finish!: () => void;
  const done = new Promise<void>((r) => (finish = r));
  const run = async () => {
    log.push(`${name}+`);
    await done;
    log.push(`${name}-`);
    return name;
  };
  return { run, finish };
}

describe('PhaseGate', () => {
  it('runs shared holders side by side', async () => {
    const gate = new PhaseGate();
    const log: string[] = [];
    const a = task(log, 'a');
    const b = task(log, 'b');
    const pa = gate.shared(a.run);
    const pb = gate.shared(b.run);
    await sleep(5);
    expect(log).toEqual(['a+', 'b+']);
    a.finish();
    b.finish();
    expect(await Promise.all([pa, pb])).toEqual(['a', 'b']);
  });

  it('starts an exclusive holder after the running shared ones, and holds new shared ones back', async () => {
    const gate = new PhaseGate();
    const log: string[] = [];
    const extract = task(log, 'extract');
    const load = task(log, 'load');
    const next = task(log, 'next');
    const pe = gate.shared(extract.run);
    const pl = gate.exclusive(load.run);
    const pn = gate.shared(next.run); // arrives after the load asked: waits for it
    await sleep(5);
    expect(log).toEqual(['extract+']);
    extract.finish();
    await sleep(5);
    expect(log).toEqual(['extract+', 'extract-', 'load+']);
    next.finish();
    load.finish();
    await Promise.all([pe, pl, pn]);
    expect(log).toEqual(['extract+', 'extract-', 'load+', 'load-', 'next+', 'next-']);
  });

  it('runs exclusive holders one at a time, and releases the gate when one throws', async () => {
    const gate = new PhaseGate();
    const log: string[] = [];
    const first = gate.exclusive(async () => {
      log.push('first');
      await sleep(5);
      throw new Error('load failed');
    });
    const second = gate.exclusive(() => Promise.resolve(void log.push('second')));
    const shared = gate.shared(() => Promise.resolve(void log.push('shared')));
    await expect(first).rejects.toThrow('load failed');
    await Promise.all([second, shared]);
    expect(log).toEqual(['first', 'second', 'shared']);
  });
});
