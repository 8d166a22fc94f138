/**
 * nullSources: the constructs that can put NULL in a column its table declares NOT NULL, read from
 * a statement's words, and the MySQL flag reading that uses it. Which database needs which guard is
 * shown against real servers in test/integration/nullability.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { nullSources, type NullSource } from '../../../src/db/dialect.js';
import { notNullFlags } from '../../../src/db/dialects/mysql/not-null.js';
import type { MysqlField } from '../../../src/db/dialects/mysql/types.js';

const found = (sql: string, backslashEscapes = false): NullSource[] =>
  [...nullSources(sql, backslashEscapes)].sort();

describe('nullSources', () => {
  it('finds nothing in a plain select, a join, a derived table, a CTE or a predicate subquery', () => {
    for (const sql of [
      'SELECT id, name FROM visits WHERE fee > 0',
      'SELECT v.id, c.name FROM visits v JOIN clinics c ON c.code = v.clinic_code',
      'SELECT v.id, c.name FROM visits v INNER JOIN clinics c USING (code) CROSS JOIN regions r',
      'SELECT * FROM (SELECT id FROM visits) q LIMIT 0',
      'WITH recent AS (SELECT id FROM visits) SELECT * FROM recent',
      'WITH recent AS MATERIALIZED (SELECT id FROM visits) SELECT * FROM recent',
      'SELECT id FROM visits WHERE clinic IN (SELECT code FROM clinics) AND EXISTS (SELECT 1 FROM x)',
      'SELECT v.id, l.n FROM visits v JOIN LATERAL (SELECT 1 AS n) l ON true',
    ])
      expect(found(sql), sql).toEqual([]);
  });

  it('finds every spelling of an outer join', () => {
    for (const sql of [
      'SELECT * FROM a LEFT JOIN b ON a.id = b.id',
      'SELECT * FROM a left outer join b ON a.id = b.id',
      'SELECT * FROM a RIGHT JOIN b ON a.id = b.id',
      'SELECT * FROM a FULL OUTER JOIN b USING (id)',
      'SELECT * FROM a NATURAL LEFT JOIN b',
      'SELECT * FROM a LEFT JOIN LATERAL (SELECT 1 AS n) l ON true',
    ])
      expect(found(sql), sql).toContain('outer join');
  });

  it('does not take a function, a quoted name, a literal or a comment for an outer join', () => {
    expect(found(`SELECT left(name, 3), right(code, 2) FROM clinics`)).toEqual([]);
    expect(found(`SELECT "left", "full" FROM clinics`)).toEqual([]);
    expect(found(`SELECT 'a LEFT JOIN b' AS s FROM clinics -- LEFT JOIN\n/* FULL JOIN */`)).toEqual([]);
    expect(found(`SELECT \`left\` FROM clinics WHERE x = 'it\\'s LEFT JOIN'`, true)).toEqual([]);
  });

  it('finds set operations, grouping sets, scalar subqueries and aggregates', () => {
    expect(found('SELECT id FROM a UNION ALL SELECT id FROM b')).toEqual(['set operation']);
    expect(found('SELECT id FROM a EXCEPT SELECT id FROM b')).toEqual(['set operation']);
    expect(found('SELECT code, count(*) FROM a GROUP BY ROLLUP (code)')).toContain('grouping sets');
    expect(found('SELECT code, count(*) FROM a GROUP BY code WITH ROLLUP')).toContain('grouping sets');
    expect(found('SELECT a, b FROM t GROUP BY GROUPING SETS ((a), (b))')).toEqual(['grouping sets']);
    expect(found('SELECT a, b FROM t GROUP BY CUBE (a, b)')).toEqual(['grouping sets']);
    expect(found('SELECT v.id, (SELECT c.name FROM c WHERE c.code = v.code) AS n FROM v')).toEqual([
      'scalar subquery',
    ]);
    expect(found('SELECT id, coalesce((SELECT name FROM c), 0) FROM v')).toEqual(['scalar subquery']);
    expect(found('SELECT count(*) AS n, code FROM a')).toEqual(['aggregate']);
    expect(found('SELECT code FROM a HAVING 1')).toEqual(['aggregate']);
    // A column named like an aggregate is not a call.
    expect(found('SELECT count, total FROM a')).toEqual([]);
  });

  it('accepts the statement as words already split (a template and the views it names)', () => {
    expect([...nullSources(['SELECT', 'ID', 'FROM', 'A', 'LEFT', 'JOIN', 'B'])]).toEqual(['outer join']);
  });
});

describe('MySQL NOT_NULL_FLAG', () => {
  const field = (name: string, flags: number): MysqlField => ({
    name,
    columnType: 253,
    columnLength: 40,
    decimals: 0,
    flags,
  });
  const fields = [field('id', 1 | 2 | 4096), field('code', 1 | 4096), field('note', 0)];

  it('trusts the flag the server computed for the query', () => {
    expect(notNullFlags('SELECT * FROM (SELECT id, code, note FROM t) q LIMIT 0', fields)).toEqual([
      true,
      true,
      false,
    ]);
  });

  it('trusts no flag under WITH ROLLUP (MariaDB flags the grouping column NOT NULL)', () => {
    expect(notNullFlags('SELECT id, code, note FROM t GROUP BY id WITH ROLLUP', fields)).toEqual([
      false,
      false,
      false,
    ]);
  });
});
