import { describe, expect, it } from 'vitest';
import { postgresDialect } from '../../../src/db/dialects/postgres/index.js';
import { mysqlDialect } from '../../../src/db/dialects/mysql/index.js';
import type { Dialect } from '../../../src/db/dialect.js';
import { afterPosition, batchQuery, countBothQuery, countQuery } from '../../../src/extract/keyset.js';

const pg = postgresDialect as unknown as Dialect;

describe('keyset pagination SQL', () => {
  it('expands (c, pk) > (v1, v2) without row values and without OFFSET, led by an index range start', () => {
    const f = afterPosition(pg, ['updated_at', 'attendance_id'], ['2025-01-01 00:00:00+00', '42']);
    expect(f.sql).toBe(
      '(q."updated_at" >= ? AND ((q."updated_at" > ?) OR (q."updated_at" = ? AND q."attendance_id" > ?)))',
    );
    expect(f.bindings).toEqual([
      '2025-01-01 00:00:00+00',
      '2025-01-01 00:00:00+00',
      '2025-01-01 00:00:00+00',
      '42',
    ]);
  });

  it('handles composite keys of three columns', () => {
    const f = afterPosition(pg, ['a', 'b', 'c'], [1, 2, 3]);
    expect(f.sql).toBe(
      '(q."a" >= ? AND ((q."a" > ?) OR (q."a" = ? AND q."b" > ?) OR (q."a" = ? AND q."b" = ? AND q."c" > ?)))',
    );
    expect(f.bindings).toEqual([1, 1, 1, 2, 1, 2, 3]);
  });

  it('wraps the template with filters, position, ORDER BY and LIMIT', () => {
    const plan = {
      template: { sql: 'SELECT * FROM attendances WHERE region = ?', bindings: ['North'] },
      filters: [
        { sql: '(q."visit_date" >= ? AND q."visit_date" < ?)', bindings: ['2025-01-01', '2025-02-01'] },
      ],
      orderColumns: ['attendance_id'],
      batchSize: 500,
    };
    const first = batchQuery(pg, plan, undefined);
    expect(first.sql).toBe(
      'SELECT * FROM (SELECT * FROM attendances WHERE region = ?) q WHERE (q."visit_date" >= ? AND q."visit_date" < ?) ORDER BY q."attendance_id" LIMIT 500',
    );
    expect(first.bindings).toEqual(['North', '2025-01-01', '2025-02-01']);
    const next = batchQuery(mysqlDialect, plan, ['99']);
    expect(next.sql).toContain('AND (q.`attendance_id` > ?) ORDER BY q.`attendance_id` LIMIT 500');
    expect(next.sql).not.toMatch(/OFFSET/i);
    expect(countQuery(pg, plan).sql).toBe(
      'SELECT COUNT(*) AS n FROM (SELECT * FROM (SELECT * FROM attendances WHERE region = ?) q WHERE (q."visit_date" >= ? AND q."visit_date" < ?)) c',
    );
  });
});

describe('countBothQuery', () => {
  it('counts the range and the rows meeting a condition in one scan, bindings in text order', async () => {
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(':memory:');
    try {
      db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, region TEXT, updated_at TEXT)');
      const insert = db.prepare('INSERT INTO t VALUES (?, ?, ?)');
      for (let i = 1; i <= 100; i++)
        insert.run(
          i,
          i % 2 ? 'North' : 'South',
          i % 10 === 0 ? null : `2025-01-${String((i % 28) + 1).padStart(2, '0')}`,
        );
      const plan = {
        template: { sql: 'SELECT * FROM t WHERE region = ?', bindings: ['North'] },
        filters: [{ sql: 'q."id" <= ?', bindings: [80] }],
        orderColumns: ['id'],
        batchSize: 10,
      };
      const also = { sql: 'q."updated_at" <= ?', bindings: ['2025-01-15'] };
      const both = countBothQuery(pg, plan, also, [20]);
      const row = db.prepare(both.sql).get(...both.bindings) as Record<string, number>;
      const [n, m] = [row.n, row.m];
      // The same figures as two statements, the second with the condition as a filter.
      const count = (extra: (typeof also)[]) => {
        const q = countQuery(pg, { ...plan, filters: [...plan.filters, ...extra] }, [20]);
        return (db.prepare(q.sql).get(...q.bindings) as Record<string, number>).n;
      };
      expect([n, m]).toEqual([count([]), count([also])]);
      expect(n).toBe(30);
      expect(m).toBeGreaterThan(0);
      expect(m).toBeLessThan(30);
    } finally {
      db.close();
    }
  });
});
