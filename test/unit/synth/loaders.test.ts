import { describe, expect, it } from 'vitest';
import { SerialQueue } from '../../../src/synth/store.js';
import { mysqlDateTime } from '../../../src/synth/store-mysql.js';
import { copyPayload, copyText, textColumns } from '../../../src/synth/store-postgres.js';

describe('PostgreSQL COPY text', () => {
  it('escapes backslash, tab, newline and carriage return, and writes NULL as \\N', () => {
    expect(copyText('a\\b\tc\nd\re')).toBe('a\\\\b\\tc\\nd\\re');
    expect(copyText(null)).toBe('\\N');
    expect(copyText(true)).toBe('t');
    expect(copyText(false)).toBe('f');
    expect(copyText(4_000_000_100_000_000)).toBe('4000000100000000');
    expect(copyText('13.50')).toBe('13.50');
    expect(copyText(new Uint8Array([1, 255]))).toBe('\\\\x01ff');
  });

  it('serialises rows as tab-separated lines, taking the slow path only when needed', () => {
    expect(
      copyPayload([
        [1, 'plain', '2025-01-06T01:00:00.000000Z'],
        [2, null, 'tab\there'],
        [3, true, 'back\\slash'],
      ]),
    ).toBe('1\tplain\t2025-01-06T01:00:00.000000Z\n2\t\\N\ttab\\there\n3\tt\tback\\\\slash\n');
    expect(copyPayload([])).toBe('');
    // With the free-text columns named, only those are checked for escapes.
    expect(copyPayload([[1, 'a\tb', null]], [1])).toBe('1\ta\\tb\t\\N\n');
    expect(textColumns('attendances')).toEqual([2, 5]); // polyclinic_code, visit_type
  });
});

describe('MySQL values', () => {
  it('turns canonical timestamps into DATETIME literals (UTC wall clock for Z values)', () => {
    expect(mysqlDateTime('2025-01-06T01:02:03.123456Z')).toBe('2025-01-06 01:02:03.123456');
    expect(mysqlDateTime('2025-01-06T09:02:03.123456')).toBe('2025-01-06 09:02:03.123456');
  });
});

describe('SerialQueue', () => {
  it('runs jobs one at a time in order and reports the first failure', async () => {
    const q = new SerialQueue(10);
    const log: string[] = [];
    let running = 0;
    const job =
      (name: string, fail = false) =>
      async (): Promise<void> => {
        running++;
        expect(running).toBe(1);
        await new Promise((r) => setTimeout(r, 2));
        log.push(name);
        running--;
        if (fail) throw new Error(`${name} failed`);
      };
    await q.add(job('a'), 4);
    await q.add(job('b'), 4);
    await q.add(job('c'), 4); // over the limit: waits for room
    await q.drain();
    expect(log).toEqual(['a', 'b', 'c']);
    await q.add(job('d', true), 1);
    await q.add(job('e'), 1).catch(() => undefined);
    await expect(q.drain()).rejects.toThrow('d failed');
    expect(log).toEqual(['a', 'b', 'c', 'd']);
    await q.settle();
    await q.add(job('f'), 1);
    await q.drain();
    expect(log.at(-1)).toBe('f');
  });
});
