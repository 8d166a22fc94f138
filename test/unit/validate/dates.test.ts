/**
 * The TZ matrix: "now" for date checks is taken in validation.timezone, whatever the process TZ.
 * The same instant is 2025-01-02 in Singapore and 2025-01-01 in New York.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { t } from '../../../src/schema/column-types.js';
import { dayEnd, dayStart, futureBound, parseableDate } from '../../../src/validate/dates.js';

const NOW = new Date('2025-01-01T17:30:00Z');
const original = process.env.TZ;
afterEach(() => {
  process.env.TZ = original;
});

describe.each(['UTC', 'Asia/Singapore', 'America/New_York'])('process TZ=%s', (tz) => {
  it('bounds not_future by the configured zone, not the process zone', () => {
    process.env.TZ = tz;
    expect(futureBound(t.date(), NOW, 0, 'Asia/Singapore')).toBe('2025-01-02');
    expect(futureBound(t.date(), NOW, 0, 'America/New_York')).toBe('2025-01-01');
    expect(futureBound(t.date(), NOW, 86_400_000, 'America/New_York')).toBe('2025-01-02');
    expect(futureBound(t.timestamp(), NOW, 0, 'Asia/Singapore')).toBe('2025-01-02T01:30:00.999999');
    expect(futureBound(t.timestamptz(), NOW, 0, 'Asia/Singapore')).toBe('2025-01-01T17:30:00.000000Z');
  });

  it('turns day bounds into instants of local midnight for UTC timestamps only', () => {
    process.env.TZ = tz;
    expect(dayStart('2025-01-01', t.date(), 'Asia/Singapore')).toBe('2025-01-01');
    expect(dayEnd('2025-01-01', t.timestamp(), 'Asia/Singapore')).toBe('2025-01-02');
    expect(dayStart('2025-01-01', t.timestamptz(), 'Asia/Singapore')).toBe('2024-12-31T16:00:00.000000Z');
    expect(dayEnd('2025-03-08', t.timestamptz(), 'America/New_York')).toBe('2025-03-09T05:00:00.000000Z');
  });
});

describe('parseableDate', () => {
  it('accepts ISO dates and timestamps of real days only', () => {
    expect(parseableDate('2024-02-29')).toBe(true);
    expect(parseableDate('2025-02-29')).toBe(false);
    expect(parseableDate('2025-01-01T10:00:00.123456Z')).toBe(true);
    expect(parseableDate('2025-01-01 10:00')).toBe(true);
    expect(parseableDate('01/02/2025')).toBe(false);
    expect(parseableDate('2025-13-01')).toBe(false);
  });
});

/** The regex-and-Date version parseableDate replaced, kept as the reference it must agree with. */
const STAMP = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
function reference(text: string): boolean {
  if (!STAMP.test(text)) return false;
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(text)!;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === m[0];
}

describe('parseableDate agrees with the regex-and-Date reference', () => {
  it('on edge cases', () => {
    const cases = [
      '1900-02-29',
      '2000-02-29',
      '2100-02-28',
      '0099-01-01',
      '0100-01-01',
      '9999-12-31',
      '2025-00-10',
      '2025-04-31',
      '2025-04-30',
      '2025-01-00',
      '2025-01-01T',
      '2025-01-01T10',
      '2025-01-01T10:0',
      '2025-01-01T10:00:0',
      '2025-01-01T10:00:00.',
      '2025-01-01T10:00:00.123456789',
      '2025-01-01T10:00:00.1234567890',
      '2025-01-01T10:00:00.5Z',
      '2025-01-01T10:00:00+08',
      '2025-01-01T10:00:00+0800',
      '2025-01-01T10:00:00+08:00',
      '2025-01-01T10:00:00-08:0',
      '2025-01-01T10:00+08:00',
      '2025-01-01T10:00Zx',
      '2025-01-01x',
      '2025-01-01 99:99',
      '2025-1-01',
      '+2025-01-01',
      ' 2025-01-01',
      '2025-01-01T10:00:00.123+0800',
      '',
    ];
    for (const c of cases) expect([c, parseableDate(c)]).toEqual([c, reference(c)]);
  });

  it('on random mutations of valid timestamps', () => {
    let seed = 42;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const alphabet = '0123456789-:T Z+.x';
    const bases = [
      '2024-02-29',
      '2025-12-31 23:59:59',
      '2025-06-15T08:30:00.123456Z',
      '2025-06-15T08:30+08:00',
    ];
    for (let k = 0; k < 20_000; k++) {
      const chars = [...bases[rand(bases.length)]!];
      for (let m = rand(3); m >= 0; m--) {
        const at = rand(chars.length + 1);
        const op = rand(3);
        const c = alphabet[rand(alphabet.length)]!;
        if (op === 0) chars.splice(at, 0, c);
        else if (op === 1) chars.splice(at, 1);
        else chars[at] = c;
      }
      const text = chars.join('');
      expect([text, parseableDate(text)]).toEqual([text, reference(text)]);
    }
  });
});
