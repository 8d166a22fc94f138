import { describe, expect, it } from 'vitest';
import { compileTemplate, outerPagingClauses, templateBindings } from '../../../src/config/template.js';

describe('query templates', () => {
  it('turns :name bindings into positional placeholders with values in order', () => {
    const t = compileTemplate(
      'SELECT * FROM a WHERE region = :region AND cluster = :cluster AND r2 = :region',
      {
        region: 'North',
        cluster: 'NHG',
      },
    );
    expect(t.sql).toBe('SELECT * FROM a WHERE region = ? AND cluster = ? AND r2 = ?');
    expect(t.bindings).toEqual(['North', 'NHG', 'North']);
  });

  it('ignores casts, string literals and comments', () => {
    const sql = "SELECT x::date, ':nope' AS s -- :comment\n/* :block */ FROM t WHERE y = :yes";
    expect(templateBindings(sql)).toEqual(['yes']);
    expect(compileTemplate(sql, { yes: 1 }).sql).toBe(
      "SELECT x::date, ':nope' AS s -- :comment\n/* :block */ FROM t WHERE y = ?",
    );
  });

  it('never splices a value into the SQL text', () => {
    const evil = "x'); DROP TABLE patients; --";
    const t = compileTemplate('SELECT * FROM p WHERE nric = :nric', { nric: evil });
    expect(t.sql).not.toContain('DROP');
    expect(t.bindings).toEqual([evil]);
  });

  it('refuses a binding without a value', () => {
    expect(() => compileTemplate('SELECT :a', {})).toThrow(/:a has no value/);
  });

  it('finds ORDER BY, LIMIT, OFFSET and FETCH at the top level only', () => {
    expect(outerPagingClauses('SELECT a FROM t ORDER BY a LIMIT 10')).toEqual(['ORDER BY', 'LIMIT']);
    expect(outerPagingClauses('SELECT a FROM t OFFSET 5 ROWS FETCH NEXT 5 ROWS ONLY')).toEqual([
      'OFFSET',
      'FETCH NEXT',
    ]);
    expect(
      outerPagingClauses(
        "SELECT a FROM (SELECT a FROM t ORDER BY a LIMIT 5) s WHERE note <> 'order by x' -- limit 3",
      ),
    ).toEqual([]);
  });
});
