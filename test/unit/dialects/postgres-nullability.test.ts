/**
 * The tables on the NULL-extended side of a statement's outer joins, for PostgreSQL, whose
 * RowDescription names a column's table even there. Every doubt must give more tables or
 * undefined (no column trusted), never fewer: the live behaviour is in
 * test/integration/nullability.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { PgField } from '../../../src/db/dialects/postgres/batch-query.js';
import { notNullFields, type PgCatalogClient } from '../../../src/db/dialects/postgres/not-null.js';
import { outerJoinedTables } from '../../../src/db/dialects/postgres/outer-joins.js';

const probe = (template: string) => `SELECT * FROM (${template}) q LIMIT 0`;
const nullSide = (template: string) => {
  const found = outerJoinedTables(probe(template));
  return found && [...found].sort();
};

describe('outerJoinedTables', () => {
  it('names the right of a LEFT JOIN, by name and alias, and not the left', () => {
    expect(
      nullSide(`SELECT a.attendance_id, p.date_of_birth FROM attendances a
                  LEFT JOIN patients p ON p.patient_id = a.patient_id`),
    ).toEqual(['p', 'patients']);
    expect(nullSide('SELECT * FROM a LEFT OUTER JOIN public."B" ON true JOIN c ON true')).toEqual(['b']);
    expect(nullSide('SELECT * FROM a NATURAL LEFT JOIN b')).toEqual(['b']);
  });

  it('names everything before a RIGHT JOIN and both sides of a FULL JOIN', () => {
    expect(nullSide('SELECT * FROM a JOIN b ON true RIGHT JOIN c ON true')).toEqual(['a', 'b']);
    expect(nullSide('SELECT * FROM a FULL JOIN b ON true')).toEqual(['a', 'b']);
    // A comma binds looser than JOIN: x is not on the NULL side, but may be named (more, never fewer).
    expect(nullSide('SELECT * FROM x, a RIGHT JOIN c ON true')).toEqual(['a', 'x']);
  });

  it('names every table inside a derived table, CTE or joined group on the NULL side', () => {
    expect(nullSide('SELECT * FROM a LEFT JOIN (SELECT * FROM b JOIN c ON true) s ON true')).toEqual([
      'b',
      'c',
    ]);
    expect(nullSide('WITH w AS (SELECT * FROM b) SELECT * FROM a LEFT JOIN w ON true')).toEqual(['b', 'w']);
    expect(nullSide('SELECT * FROM a LEFT JOIN (b JOIN c ON true) ON true')).toEqual(['b', 'c']);
    expect(nullSide('SELECT * FROM a, LATERAL (SELECT * FROM b LEFT JOIN c ON true) l')).toEqual(['c']);
  });

  it('names the table the parser mistakes for an alias (ONLY t is read as table "ONLY" aliased t)', () => {
    expect(nullSide('SELECT * FROM a LEFT JOIN ONLY b ON true')).toContain('b');
  });

  it('gives up (undefined) on what it cannot read', () => {
    // An outer join the walk does not meet: in a WHERE subquery, in a scalar subquery.
    expect(
      nullSide('SELECT a.id FROM a WHERE a.id IN (SELECT b.id FROM b LEFT JOIN c ON true)'),
    ).toBeUndefined();
    expect(nullSide('SELECT a.id, (SELECT max(c.v) FROM b LEFT JOIN c ON true) FROM a')).toBeUndefined();
    // Syntax the parser lacks: nested ON, ROWS FROM.
    expect(nullSide('SELECT * FROM a LEFT JOIN b JOIN c ON c.x = b.x ON b.y = a.y')).toBeUndefined();
    expect(nullSide('SELECT * FROM a LEFT JOIN ROWS FROM (f(1)) r ON true')).toBeUndefined();
    // A CTE that refers to itself.
    expect(
      nullSide(
        'WITH RECURSIVE r AS (SELECT 1 AS n UNION ALL SELECT r.n + 1 FROM r LEFT JOIN b ON true WHERE r.n < 3) SELECT * FROM r',
      ),
    ).toBeUndefined();
    // VALUES on the NULL side.
    expect(nullSide('SELECT * FROM a LEFT JOIN (VALUES (1)) v(x) ON true')).toBeUndefined();
  });

  it('finds no table when there is no outer join', () => {
    expect(nullSide('SELECT * FROM a JOIN b ON true CROSS JOIN c')).toEqual([]);
  });
});

describe('notNullFields without the catalogs', () => {
  // A server that speaks PostgreSQL's protocol need not have pg_inherits or unnest(a, b): the
  // catalog query fails with a class 42/0A error. No live server lacks them, so a client that fails.
  const failing = (code: string): PgCatalogClient => ({
    query: () => Promise.reject(Object.assign(new Error('catalog query failed'), { code })),
  });
  const fields: PgField[] = [
    { name: 'id', dataTypeID: 20, dataTypeModifier: -1, tableID: 16385, columnID: 1 },
  ];

  it('cannot tell, so every column is nullable, when the catalog is not there', async () => {
    for (const code of ['42P01', '42883', '0A000'])
      expect(await notNullFields(failing(code), 'SELECT id FROM t', fields), code).toEqual(new Set());
  });

  it('fails like the probe when the connection or the statement fails otherwise', async () => {
    await expect(notNullFields(failing('08006'), 'SELECT id FROM t', fields)).rejects.toThrow('catalog');
    await expect(notNullFields(failing('57014'), 'SELECT id FROM t', fields)).rejects.toThrow('catalog');
  });

  it('asks nothing when no column comes from a table, or the statement has ROLLUP', async () => {
    const asked: string[] = [];
    const client: PgCatalogClient = {
      query: (text) => {
        asked.push(text);
        return Promise.resolve({ rows: [{ rel: '16385', att: '1' }] });
      },
    };
    expect(
      await notNullFields(client, 'SELECT 1 AS id', [{ ...fields[0]!, tableID: 0, columnID: 0 }]),
    ).toEqual(new Set());
    expect(await notNullFields(client, 'SELECT id FROM t GROUP BY ROLLUP (id)', fields)).toEqual(new Set());
    expect(asked).toEqual([]);
    expect(await notNullFields(client, 'SELECT id FROM t', fields)).toEqual(new Set([0]));
  });
});
