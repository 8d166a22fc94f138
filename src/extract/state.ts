/**
 * Per-source extraction state: the incremental watermark (the keyset position after the last row
 * delivered) and the last run. One small JSON file per source, replaced atomically, so it can be
 * read with `cat` and never grows with the table.
 */
import { existsSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../write/atomic.js';

export interface Watermark {
  /** Keyset columns: the cursor column then the primary key. */
  columns: string[];
  /** Driver values of those columns in the last row delivered (bigints as text). */
  values: (string | number | boolean | null)[];
}

export interface SourceState {
  source: string;
  watermark?: Watermark;
  last_run?: {
    run_id: string;
    mode: string;
    status: 'succeeded' | 'failed';
    rows: number;
    finished_at: string;
  };
}

export class StateStore {
  constructor(readonly directory: string) {}

  file(source: string): string {
    return path.join(this.directory, `${source}.json`);
  }

  read(source: string): SourceState {
    const file = this.file(source);
    if (!existsSync(file)) return { source };
    return JSON.parse(readFileSync(file, 'utf8')) as SourceState;
  }

  async write(state: SourceState): Promise<void> {
    await writeFileAtomic(this.file(state.source), JSON.stringify(state, null, 2) + '\n', 0o640);
  }

  async reset(source: string): Promise<boolean> {
    const file = this.file(source);
    const existed = existsSync(file);
    await rm(file, { force: true });
    return existed;
  }
}

/** Driver values made JSON-safe: BigInt as text (SQLite safe integers), Buffers refused. */
export function toStoredValues(values: readonly unknown[]): Watermark['values'] {
  return values.map((v) => {
    if (typeof v === 'bigint') return v.toString();
    if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
    if (v instanceof Date) return v.toISOString();
    throw new TypeError(`cannot store a ${typeof v} as a watermark value`);
  });
}
