/** Console output for people: aligned tables and paths relative to where the user stands. */
import path from 'node:path';
import { redactSecrets } from '../config/secret.js';

export type Out = (line: string) => void;
/** Driver messages reach the console through here too; a registered secret never does. */
export const stdout: Out = (line) => process.stdout.write(redactSecrets(line) + '\n');

export function table(rows: string[][], out: Out): void {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  for (const r of rows)
    out(
      r
        .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd(),
    );
}

export function shownPath(p: string): string {
  const rel = path.relative(process.cwd(), p);
  return rel.startsWith('..') ? p : rel;
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

export function formatDuration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}
