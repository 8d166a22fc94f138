import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseDate, parseInstant, US_PER_DAY } from '../../../src/synth/calendar.js';
import { lateLabCount, previousOpenDay } from '../../../src/synth/late.js';
import { continueTimeline, generate } from '../../../src/synth/run.js';
import { col, collect } from './collect.js';

describe('late lab results in the timeline', () => {
  it('leaves creation unchanged (rows pinned by digest)', () => {
    const h = createHash('sha256');
    for (const chunk of generate({ seed: 5, scale: 0.01, days: 9, startDate: '2025-03-03' })) {
      h.update(`${chunk.table}\n${JSON.stringify(chunk.rows)}\n`);
    }
    // Digest of the generator before late rows existed (built from the previous sources).
    expect(h.digest('hex')).toBe('bd756aa16427a0384391a0474937f1312d5e349f0f45d37cadfed2a583207187');
  });

  it('counts late results only on open days that follow an open day of the timeline', () => {
    const start = parseDate('2025-03-03'); // Monday
    const count = (index: number): number => lateLabCount(1, 0.01, start, index);
    expect(count(0)).toBe(0); // nothing before the first day
    expect(count(6)).toBe(0); // Sunday: closed
    expect(previousOpenDay(1, 0.01, start, start + 7)).toBe(start + 5); // Monday -> Saturday
    expect(count(7)).toBe(3); // the minimum at this scale
    expect(lateLabCount(1, 1, start, 1)).toBeGreaterThan(40); // 0.2% of ~25,000 attendances
  });

  it('reserves the late ids ahead of each day and changes nothing else', () => {
    const first = generate({ seed: 4, scale: 0.01, days: 5, startDate: '2025-03-03' });
    collect(first);
    const plainRun = continueTimeline(first.state, 4);
    const lateRun = continueTimeline(first.state, 4, {}, { lateRows: true });
    const plain = [...plainRun];
    const late = [...lateRun];
    const start = parseDate('2025-03-03');
    const id = col('lab_results', 'lab_result_id');
    const shift = (day: number): number => {
      let n = 0;
      for (let k = 5; k <= day; k++) n += lateLabCount(4, 0.01, start, k);
      return n;
    };
    expect(late).toHaveLength(plain.length);
    plain.forEach((chunk, i) => {
      const moved = late[i]!;
      expect([moved.table, moved.day]).toEqual([chunk.table, chunk.day]);
      if (chunk.table !== 'lab_results') {
        expect(moved.rows).toEqual(chunk.rows);
        return;
      }
      chunk.rows.forEach((row, r) => {
        expect(id(moved.rows[r]!)).toBe(Number(id(row)) + shift(chunk.day!));
        expect(moved.rows[r]!.slice(1)).toEqual(row.slice(1));
      });
    });
    expect(shift(8)).toBeGreaterThan(0);
    // The day events' ids are those before the reservation: the late rows take them.
    for (const [d, ids] of lateRun.dayStartIds) {
      expect(ids.lab_result_id).toBe(plainRun.dayStartIds.get(d)!.lab_result_id + shift(d - 1));
    }
    expect(lateRun.state.nextIds.lab_result_id - plainRun.state.nextIds.lab_result_id).toBe(shift(8));
  });

  it('parses canonical timestamps to microseconds', () => {
    const day = parseDate('2025-03-07');
    expect(parseInstant('2025-03-07T13:04:05.000123Z')).toBe(day * US_PER_DAY + 47_045_000_123);
    expect(parseInstant('2025-03-07T13:04:05.000123')).toBe(parseInstant('2025-03-07T13:04:05.000123Z'));
    expect(parseInstant('2025-03-07 00:00:01')).toBe(day * US_PER_DAY + 1_000_000);
    expect(() => parseInstant('07/03/2025')).toThrow(/expected a timestamp/);
  });
});
