import { describe, expect, it } from 'vitest';
import { statementProblem, words } from '../../../src/config/statement-check.js';

describe('a template is one read-only SELECT', () => {
  it.each([
    ['SELECT id, label FROM items', 'postgres'],
    ['WITH recent AS (SELECT id FROM t WHERE d > :since) SELECT * FROM recent', 'postgres'],
    ["SELECT id, replace(label, 'DELETE', '') AS l FROM t -- DELETE FROM t;", 'postgres'],
    ['SELECT "update", "delete" FROM t', 'postgres'],
    ['SELECT $$; DROP TABLE t$$ AS x, b::date FROM t', 'postgres'],
    ["SELECT id, 'it''s; INSERT' AS s FROM t /* ; UPDATE t */", 'sqlite'],
    ["SELECT id, 'a\\'; DELETE' AS s FROM t", 'mysql'],
    ['SELECT cluster, region FROM polyclinics', 'sqlite'],
    ['SELECT TOP 10 a FROM [dbo].[update]', 'mssql'],
    ['SELECT a FROM t', 'oracle'],
  ] as const)('accepts %s (%s)', (sql, client) => {
    expect(statementProblem(sql, client)).toBeUndefined();
  });

  it.each([
    ['SELECT id FROM t; DELETE FROM t', /one statement/],
    ['SELECT id FROM t;', /one statement/],
    ['DELETE FROM t', /must be a SELECT/],
    ['UPDATE t SET a = 1', /must be a SELECT/],
    ['WITH gone AS (DELETE FROM t RETURNING id) SELECT id FROM gone', /DELETE is not allowed/],
    ['SELECT id INTO copy FROM t', /INTO is not allowed/],
    ['SELECT id FROM t FOR UPDATE', /FOR UPDATE/],
    ['SELECT id FROM t LOCK IN SHARE MODE', /LOCK IN SHARE MODE/],
    ['', /empty/],
    ['-- only a comment', /empty/],
  ])('refuses %s', (sql, message) => {
    expect(statementProblem(sql, 'postgres')).toMatch(message);
  });

  it('skips literals, quoted identifiers, comments and dollar quotes when reading words', () => {
    expect(words(`SELECT 'x; DELETE' AS "INSERT", $tag$UPDATE$tag$ /* DROP */ FROM t -- ALTER`)).toEqual([
      'SELECT',
      'AS',
      'FROM',
      'T',
    ]);
  });
});
