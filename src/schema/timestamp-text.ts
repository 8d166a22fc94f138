/**
 * Canonical timestamp text: "YYYY-MM-DDTHH:MM:SS" plus exactly `precision` fraction digits, plus
 * "Z" for UTC. Drivers print fractions differently (PostgreSQL drops trailing zeros, MySQL pads to
 * the column's precision), so every dialect passes its text through here and files from different
 * databases agree byte for byte.
 */
export function canonicalTimestamp(text: string, precision: number, utc: boolean): string {
  let s = text.length > 10 && text[10] === ' ' ? `${text.slice(0, 10)}T${text.slice(11)}` : text;
  // Strip a UTC designator in any of the forms drivers print: Z, +00, +00:00, +0000.
  s = s.replace(/(?:Z|[+-]00(?::?00)?)$/, '');
  const dot = s.indexOf('.', 19);
  const whole = dot < 0 ? s : s.slice(0, dot);
  const fraction = dot < 0 ? '' : s.slice(dot + 1);
  const digits =
    precision > 0
      ? `.${fraction.padEnd(precision, '0').slice(0, Math.max(precision, fraction.length))}`
      : fraction
        ? `.${fraction}`
        : '';
  return `${whole}${digits}${utc ? 'Z' : ''}`;
}
