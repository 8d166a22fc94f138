import { describe, expect, it } from 'vitest';
import { icd10Normaliser } from '../../../src/transform/icd10.js';

const dotted = icd10Normaliser('dotted');
const undotted = icd10Normaliser('undotted');

describe('ICD-10 normalisation', () => {
  it.each([
    ['e11.9', 'E11.9', 'E119'],
    [' E119 ', 'E11.9', 'E119'],
    ['E11', 'E11', 'E11'],
    ['E11.', 'E11', 'E11'],
    ['U07.1', 'U07.1', 'U071'],
    ['e11.90', 'E11.90', 'E1190'],
    ['C4A.0', 'C4A.0', 'C4A0'],
    ['S72.001a', 'S72.001A', 'S72001A'],
    ['\tj06\n', 'J06', 'J06'],
  ])('%j → %s / %s', (input, d, u) => {
    expect(dotted(input)).toBe(d);
    expect(undotted(input)).toBe(u);
  });

  it('returns a value already in the style unchanged', () => {
    const code = 'E11.9';
    expect(dotted(code)).toBe(code);
  });

  it.each([
    '',
    '   ',
    'garbage',
    'E',
    'E1',
    '11.9',
    'EE1.9',
    'E11..9',
    'E11.99999',
    'E 11.9',
    'É11.9',
    '.E11',
    'E11-9',
  ])('does not recognise %j', (input) => {
    expect(dotted(input)).toBeUndefined();
    expect(undotted(input)).toBeUndefined();
  });
});
