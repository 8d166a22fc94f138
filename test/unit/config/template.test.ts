import { describe, expect, it } from 'vitest';
import { compileTemplate, templateBindings } from '../../../src/config/template.js';

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
});
