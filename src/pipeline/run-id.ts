import { randomBytes } from 'node:crypto';

/** A sortable, unique run id: 20250131T020000Z-a1b2. */
export function newRunId(now = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  return `${stamp}-${randomBytes(2).toString('hex')}`;
}
