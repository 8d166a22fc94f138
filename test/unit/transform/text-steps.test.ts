/** The text steps on edge values: NULL, empty, white space only, non-ASCII, multi-byte, very long. */
import { describe, expect, it } from 'vitest';
import { t } from '../../../src/schema/column-types.js';
import { cells, col, compile } from './fixtures.js';

const TEXT = [col('v')];
const LONG = 'x'.repeat(1_000_000);

describe('trim', () => {
  it('trims Unicode white space at both ends, leaves NULL and inner spaces', () => {
    const tr = compile(TEXT, { steps: [{ step: 'trim' }] });
    expect(
      cells(tr, TEXT, [
        null,
        '',
        '   ',
        ' a b ',
        '\u00a0Tan Ah Kow\u3000',
        '\ufeffx\t\r\n',
        '李小龍 ',
        '😀 ',
        ` ${LONG} `,
      ]),
    ).toEqual([null, '', '', 'a b', 'Tan Ah Kow', 'x', '李小龍', '😀', LONG]);
  });

  it('trims every text column by default and leaves other columns alone', () => {
    const columns = [col('a'), col('n', t.int32()), col('b'), col('d', t.date())];
    const tr = compile(columns, { steps: [{ step: 'trim' }] });
    expect(tr.apply({ columns, rows: [[' a ', 1, ' b ', '2025-01-01']] }).rows).toEqual([
      ['a', 1, 'b', '2025-01-01'],
    ]);
  });

  it('trims only the named columns', () => {
    const columns = [col('a'), col('b')];
    const tr = compile(columns, { steps: [{ step: 'trim', columns: ['b'] }] });
    expect(tr.apply({ columns, rows: [[' a ', ' b ']] }).rows).toEqual([[' a ', 'b']]);
  });
});

describe('case', () => {
  it('maps case without the host locale, including length-changing letters', () => {
    const up = compile(TEXT, { steps: [{ step: 'case', columns: ['v'], to: 'upper' }] });
    expect(cells(up, TEXT, [null, '', 'male', 'straße', 'ﬁ', 'istanbul', 'é', '李'])).toEqual([
      null,
      '',
      'MALE',
      'STRASSE',
      'FI',
      'ISTANBUL',
      'É',
      '李',
    ]);
    const down = compile(TEXT, { steps: [{ step: 'case', columns: ['v'], to: 'lower' }] });
    expect(cells(down, TEXT, ['FEMALE', 'İ', 'ÉCOLE'])).toEqual(['female', 'i̇', 'école']);
  });
});

describe('nulls', () => {
  it('turns the configured values into NULL, case-insensitively by default, and counts them', () => {
    const nl = compile(TEXT, { steps: [{ step: 'nulls', columns: ['v'], values: ['', 'N/A', 'NA', '-'] }] });
    expect(cells(nl, TEXT, ['', 'N/A', 'n/a', 'na', '-', ' ', 'N/A ', 'Chinese', null, LONG])).toEqual([
      null,
      null,
      null,
      null,
      null,
      ' ',
      'N/A ',
      'Chinese',
      null,
      LONG,
    ]);
    expect(nl.counters()).toEqual({ rows_in: 10, rows_out: 10, 'nulled.v': 5 });
    expect(nl.columns[0]!.nullable).toBe(true);
  });

  it('matches exactly with ignore_case: false, and defaults to "" and "N/A"', () => {
    const exact = compile(TEXT, { steps: [{ step: 'nulls', ignore_case: false }] });
    expect(cells(exact, TEXT, ['', 'N/A', 'n/a'])).toEqual([null, null, 'n/a']);
  });

  it('after trim, catches white-space-only values', () => {
    const nl = compile(TEXT, { steps: [{ step: 'trim' }, { step: 'nulls' }] });
    expect(cells(nl, TEXT, ['  ', ' n/a ', ' x '])).toEqual([null, null, 'x']);
  });

  it('marks a NOT NULL column nullable in the output', () => {
    const strict = [col('v', t.string(), false)];
    expect(compile(strict, { steps: [{ step: 'nulls' }] }).columns[0]!.nullable).toBe(true);
    expect(compile(strict, { steps: [{ step: 'trim' }] }).columns[0]!.nullable).toBe(false);
  });
});

describe('map', () => {
  it('replaces exact matches, keeps or nulls the others and counts them', () => {
    const keep = compile(TEXT, {
      steps: [{ step: 'map', column: 'v', values: { Male: 'M', Female: 'F', Unknown: null } }],
    });
    expect(cells(keep, TEXT, ['Male', 'Female', 'Unknown', 'male', 'X', null])).toEqual([
      'M',
      'F',
      null,
      'male',
      'X',
      null,
    ]);
    expect(keep.counters()['unmatched.v']).toBe(2);
    const nul = compile(TEXT, {
      steps: [{ step: 'map', column: 'v', values: { Male: 'M' }, other: 'null' }],
    });
    expect(cells(nul, TEXT, ['Male', 'Female'])).toEqual(['M', null]);
    expect(nul.counters()['unmatched.v']).toBe(1);
  });

  it('composes with case: upper first, then map the upper-case codes', () => {
    const tr = compile(TEXT, {
      steps: [
        { step: 'case', columns: ['v'], to: 'upper' },
        { step: 'map', column: 'v', values: { MALE: 'M', FEMALE: 'F' } },
      ],
    });
    expect(cells(tr, TEXT, ['male', 'Female', 'M'])).toEqual(['M', 'F', 'M']);
  });
});

describe('icd10', () => {
  const codes = [' e11.9 ', 'E119', 'E11', 'E11.', 'U07.1', 'garbage', '', null];

  it('normalises to the dotted style and keeps unrecognised text, counted', () => {
    const tr = compile(TEXT, { steps: [{ step: 'icd10', columns: ['v'] }] });
    expect(cells(tr, TEXT, codes)).toEqual(['E11.9', 'E11.9', 'E11', 'E11', 'U07.1', 'garbage', '', null]);
    expect(tr.counters()['unrecognised.v']).toBe(2);
  });

  it('normalises to the undotted style and nulls unrecognised text with other: null', () => {
    const tr = compile(TEXT, {
      steps: [{ step: 'icd10', columns: ['v'], style: 'undotted', other: 'null' }],
    });
    expect(cells(tr, TEXT, codes)).toEqual(['E119', 'E119', 'E11', 'E11', 'U071', null, null, null]);
    expect(tr.counters()['unrecognised.v']).toBe(2);
  });
});
