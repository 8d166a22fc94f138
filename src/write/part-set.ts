/**
 * One part in every requested format: opened together on the part's first row, committed together,
 * so a checkpoint can name a part and know all of its files exist.
 */
import path from 'node:path';
import type { OutputConfig } from '../config/schema.js';
import { rowAt, rowCount, type CellValue, type ColumnSpec, type RowBatch } from '../schema/column-types.js';
import type { CommittedPartRecord } from '../extract/state.js';
import { partFileName } from './layout.js';
import type { PartWriter, WriterSpec } from './writer.js';

export class PartSet {
  #rows = 0;
  /** Keyset values (cursor first) of the part's first and last rows, for the manifest. */
  #first: CellValue[] | undefined;
  #last: CellValue[] | undefined;
  #keyIndexes: number[] = [];

  private constructor(
    readonly index: number,
    private readonly writers: PartWriter[],
  ) {}

  static async open(
    dir: string,
    index: number,
    specs: WriterSpec[],
    columns: ColumnSpec[],
    output: OutputConfig,
  ): Promise<PartSet> {
    const writers: PartWriter[] = [];
    try {
      for (const spec of specs)
        writers.push(await spec.open(path.join(dir, partFileName(index, spec.extension)), columns, output));
    } catch (e) {
      await Promise.allSettled(writers.map((w) => w.abort()));
      throw e;
    }
    return new PartSet(index, writers);
  }

  get rows(): number {
    return this.#rows;
  }

  /** The largest file of the part so far, for rolling over at `output.part_bytes`. */
  get bytes(): number {
    return Math.max(0, ...this.writers.map((w) => w.bytes));
  }

  /** Record the keyset columns' values of the first and last rows (rows arrive in keyset order). */
  trackKeys(indexes: number[]): this {
    this.#keyIndexes = indexes;
    return this;
  }

  async write(batch: RowBatch): Promise<void> {
    for (const w of this.writers) await w.write(batch);
    const n = rowCount(batch);
    if (n > 0 && this.#keyIndexes.length > 0) {
      if (!this.#first) {
        const first = rowAt(batch, 0);
        this.#first = this.#keyIndexes.map((i) => first[i]!);
      }
      const last = rowAt(batch, n - 1);
      this.#last = this.#keyIndexes.map((i) => last[i]!);
    }
    this.#rows += n;
  }

  async commit(): Promise<CommittedPartRecord> {
    const parts = [];
    for (const w of this.writers) parts.push(await w.commit());
    return {
      files: parts.map((p) => path.basename(p.path)),
      rows: this.#rows,
      bytes: parts.map((p) => p.bytes),
      sha256: parts.map((p) => p.sha256),
      ...(this.#first && this.#last
        ? { min_key: this.#first.map(jsonValue), max_key: this.#last.map(jsonValue) }
        : {}),
    };
  }

  async abort(): Promise<void> {
    await Promise.allSettled(this.writers.map((w) => w.abort()));
  }
}

/** Canonical cells as JSON (int64 and decimals are already text; binary keys are not supported). */
function jsonValue(v: CellValue): string | number | boolean | null {
  if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  return String(v);
}
