/**
 * ICD-10 code normalisation. Sources write the same code as "E11.9", "e119", " E11.9 " or "E11.";
 * joins and counts need one spelling. A code is a letter, a digit, a letter or digit (the category,
 * e.g. E11, U07, or C4A in ICD-10-CM), then up to four letters or digits of subcategory, with or
 * without a dot after the category. Anything else is not recognised (the caller counts it and keeps
 * or nulls it as configured): we never guess what a malformed code meant.
 */
import type { Icd10Style } from '../config/transform-schema.js';

const CODE = /^[A-Z][0-9][0-9A-Z](?:\.?[0-9A-Z]{1,4})?\.?$/;
const DOT = 46;

/**
 * A normaliser to one style: "E11.9" (dotted) or "E119" (undotted); a bare category stays "E11".
 * Returns undefined for text that is not an ICD-10 code. Returns its input unchanged (no new
 * string) when it is already in the style.
 */
export function icd10Normaliser(style: Icd10Style): (text: string) => string | undefined {
  return (text) => {
    let code = text.trim();
    if (!CODE.test(code)) {
      code = code.toUpperCase();
      if (!CODE.test(code)) return undefined;
    }
    const n = code.length;
    const end = code.charCodeAt(n - 1) === DOT ? n - 1 : n;
    const dotted = end > 3 && code.charCodeAt(3) === DOT;
    const restStart = dotted ? 4 : 3;
    if (end <= restStart) return end === n ? code : code.slice(0, 3);
    if (style === 'dotted') {
      return dotted && end === n ? code : `${code.slice(0, 3)}.${code.slice(restStart, end)}`;
    }
    return !dotted && end === n ? code : code.slice(0, 3) + code.slice(restStart, end);
  };
}
