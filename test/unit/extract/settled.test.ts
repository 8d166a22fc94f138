/**
 * The settled counter of full and date-range runs (rows at or below the start mark) counts the
 * same from a batch's bytes as from its decoded rows, for timestamp cursors (compared as bytes,
 * most decided on their first 19 without rewriting them) and others (one column decoded).
 */
import { describe, expect, it } from 'vitest';
import { OID, postgresColumnType, postgresConverter } from '../../../src/db/dialects/postgres/types.js';
import { settledCounter } from '../../../src/extract/snapshot.js';
import { encodedRows, type WireValue } from '../dialects/pg-messages.js';

describe('settled counter on encoded batches', () => {
  const cases: [string, number, number, string[], string[]][] = [
    [
      'timestamptz(6)',
      OID.timestamptz,
      6,
      [
        '2025-01-01 09:00:00+00',
        '2025-01-01 09:00:00.000001+00',
        '2025-01-01 08:59:59.999999+00',
        '2024-12-31 23:00:00.5+00',
        '-infinity',
        'infinity',
        '2025-01-02 00:00:00+00',
        // Decided on the first 19 bytes (or not: BC, equal seconds) as the canonical strings order.
        '2025-01-01 09:00:00+00 BC',
        '2025-01-01 10:00:00.25+00 BC',
        '2025-01-01 09:00:00.000002+00',
        '2025-01-01 10:00:00+00',
        '2024-01-01 09:00:00+00',
        '2025-01-01 08:00:00+00',
      ],
      ['2025-01-01T09:00:00Z', '2025-01-01T09:00:00.000000Z', '2025-01-01 09:00:00.0000001+00'],
    ],
    [
      'timestamp(3)',
      OID.timestamp,
      3,
      ['2025-01-01 09:00:00', '2025-01-01 09:00:00.001', '2025-01-01 08:59:59.999', '10000-01-01 00:00:00'],
      ['2025-01-01T09:00:00.000', '2025-01-01 09:00:00'],
    ],
    ['int8', OID.int8, -1, ['9', '10', '11', '9007199254740993', '-5'], ['10', '9007199254740992']],
    ['date', OID.date, -1, ['2025-01-01', '2025-01-02', '2024-12-31'], ['2025-01-01']],
  ];

  it.each(cases)('%s', (_name, oid, typmod, values, marks) => {
    const type = postgresColumnType(oid, typmod);
    const converters = [undefined, postgresConverter(type, oid)];
    const rows: WireValue[][] = [];
    for (let i = 0; i < 600; i++) rows.push([String(i), i % 7 === 0 ? null : values[i % values.length]!]);
    const encoded = encodedRows(rows, converters);
    const decoded = { columns: [], rows: encoded.rows().map((r) => [...r]) };
    for (const mark of marks) {
      const count = settledCounter({ name: 'cursor', index: 1, type }, mark);
      const fromBytes = count({ columns: [], rows: [], encoded: encodedRows(rows, converters) });
      expect(fromBytes, `mark ${mark}`).toBe(count(decoded));
      expect(fromBytes).toBeGreaterThan(0);
      expect(fromBytes).toBeLessThan(rows.length);
    }
  });
});
