import { describe, expect, it } from 'vitest';
import {
  canonicalTimestamp,
  canonicalTimestampFast,
  canonicalTimestampGeneral,
  canonicalTimestampInto,
} from '../../../src/schema/timestamp-text.js';

describe('canonical timestamp text', () => {
  it.each([
    ['2012-04-02 01:00:00+00', 6, true, '2012-04-02T01:00:00.000000Z'],
    ['2012-04-02 01:00:00.5+00', 6, true, '2012-04-02T01:00:00.500000Z'],
    ['2012-04-02 01:00:00.123456+00:00', 6, true, '2012-04-02T01:00:00.123456Z'],
    ['2012-04-02T01:00:00.123456Z', 6, true, '2012-04-02T01:00:00.123456Z'],
    ['2012-04-02 01:00:00.123456', 6, true, '2012-04-02T01:00:00.123456Z'],
    ['2012-04-02 01:00:00', 6, false, '2012-04-02T01:00:00.000000'],
    ['2012-04-02 01:00:00', 0, false, '2012-04-02T01:00:00'],
    ['2012-04-02 01:00:00.120', 3, false, '2012-04-02T01:00:00.120'],
    ['0001-01-01 00:00:00', 6, true, '0001-01-01T00:00:00.000000Z'],
    ['9999-12-31 23:59:59.999999', 6, false, '9999-12-31T23:59:59.999999'],
  ])('%s (precision %i, utc %s) → %s', (input, precision, utc, want) => {
    expect(canonicalTimestamp(input, precision, utc)).toBe(want);
  });
});

describe('canonical timestamp text: the fast path agrees with the general one', () => {
  const bodies = [
    '2012-04-02 01:00:00',
    '2012-04-02T01:00:00',
    '0001-01-01 00:00:00',
    '9999-12-31 23:59:59',
    '10000-01-01 00:00:00',
    '2012-04-02 01:00',
    '2012-04-02',
    '2012-4-02 01:00:00',
    '2012-04-02x01:00:00',
    '2012-04-02 01:00:0a',
    'infinity',
    '-infinity',
  ];
  const fractions = ['', '.', '.5', '.12', '.120', '.123456', '.1234567', '.123456789', '.12a', '.1.2'];
  const suffixes = [
    '',
    'Z',
    '+00',
    '-00',
    '+00:00',
    '+0000',
    '-00:00',
    '+08',
    '+05:30',
    ' BC',
    '+00 BC',
    '+00Z',
  ];
  const inputs = bodies.flatMap((b) => fractions.flatMap((f) => suffixes.map((z) => `${b}${f}${z}`)));

  it('on every combination of shape, fraction, zone, precision and kind', () => {
    let compared = 0;
    for (const input of inputs) {
      for (const precision of [0, 1, 3, 6, 7, 9]) {
        for (const utc of [false, true]) {
          expect(canonicalTimestamp(input, precision, utc), `${input} p${precision} utc ${utc}`).toBe(
            canonicalTimestampGeneral(input, precision, utc),
          );
          compared++;
        }
      }
    }
    expect(compared).toBe(inputs.length * 12);
  });

  it('over bytes, as the CSV writer and the settled counter read them: the same text, or -1 for the general path', () => {
    const dst = Buffer.alloc(80);
    let fast = 0;
    for (const input of inputs) {
      // Inside a larger buffer, as the text sits in a batch's bytes.
      const src = Buffer.from(`<<${input}>>`, 'utf8');
      const end = 2 + Buffer.byteLength(input);
      for (const precision of [0, 1, 3, 6, 7, 9]) {
        for (const utc of [false, true]) {
          const n = canonicalTimestampInto(src, 2, end, precision, utc, dst, 5);
          const fastText = canonicalTimestampFast(input, precision, utc);
          if (n < 0) expect(fastText, `${input} p${precision} utc ${utc}`).toBeUndefined();
          else {
            fast++;
            expect(dst.toString('latin1', 5, n), `${input} p${precision} utc ${utc}`).toBe(
              canonicalTimestampGeneral(input, precision, utc),
            );
          }
        }
      }
    }
    expect(fast).toBeGreaterThan(1000);
  });

  it('returns flat, independent strings (the scratch buffer is not shared with earlier results)', () => {
    const a = canonicalTimestamp('2012-04-02 01:00:00.5+00', 6, true);
    const b = canonicalTimestamp('2013-05-03 02:00:00+00', 3, true);
    expect([a, b]).toEqual(['2012-04-02T01:00:00.500000Z', '2013-05-03T02:00:00.000Z']);
  });
});

describe('canonical timestamp text: the fast path takes what drivers usually print', () => {
  it.each([
    ['2012-04-02 01:00:00.1234+00', 6, true],
    ['2012-04-02 01:00:00', 6, false],
    ['2012-04-02 01:00:00.123456', 6, false],
    ['2012-04-02T01:00:00.1234567', 7, false],
    ['0001-01-01 00:00:00+00', 6, true],
  ])('%s', (input, precision, utc) => {
    expect(canonicalTimestampFast(input, precision, utc)).toBe(
      canonicalTimestampGeneral(input, precision, utc),
    );
  });
});
