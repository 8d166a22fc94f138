/** UTF-8 checks shared by the writers that copy the server's text without decoding it (CSV, Parquet). */

/**
 * The length of the well-formed UTF-8 sequence at `b[k]` (lead byte ≥ 0x80), or 0 when it is not
 * one (overlong forms, surrogates, beyond U+10FFFF, truncated: what a UTF-8 decoder replaces).
 */
export function utf8Sequence(b: Uint8Array, k: number, end: number): number {
  const c = b[k]!;
  // The usual CJK or Indic character first: three bytes led by E1–EC or EE–EF, or by E0 then A0–BF
  // (never a surrogate or an overlong form). Checked ahead of the general rule it kept CJK text
  // about as cheap to copy as ASCII.
  if (c >= 0xe0 && c <= 0xef && c !== 0xed && k + 2 < end) {
    const c1 = b[k + 1]!;
    if ((c1 & 0xc0) === 0x80 && (c !== 0xe0 || c1 >= 0xa0) && (b[k + 2]! & 0xc0) === 0x80) return 3;
  }
  if (c < 0xc2 || c > 0xf4) return 0;
  const n = c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
  if (k + n > end) return 0;
  const c1 = b[k + 1]!;
  // The second byte's range is narrower after E0, ED, F0 and F4.
  const low = c === 0xe0 ? 0xa0 : c === 0xf0 ? 0x90 : 0x80;
  const high = c === 0xed ? 0x9f : c === 0xf4 ? 0x8f : 0xbf;
  if (c1 < low || c1 > high) return 0;
  for (let j = 2; j < n; j++) if ((b[k + j]! & 0xc0) !== 0x80) return 0;
  return n;
}
