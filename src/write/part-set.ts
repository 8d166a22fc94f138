/**
 * One part in every requested format: opened together on the part's first row, committed together,
 * so a checkpoint can name a part and know all of its files exist.
 */
import path from 'node:path';
import type { OutputConfig } from '../config/schema.js';
import type { ColumnSpec, RowBatch } from '../schema/column-types.js';
import type { CommittedPartRecord } from '../extract/state.js';
import { partFileName } from './layout.js';
import type { PartWriter, WriterSpec } from './writer.js';

export class PartSet {
  #rows = 0;

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

  async write(batch: RowBatch): Promise<void> {
    for (const w of this.writers) await w.write(batch);
    this.#rows += batch.rows.length;
  }

  async commit(): Promise<CommittedPartRecord> {
    const parts = [];
    for (const w of this.writers) parts.push(await w.commit());
    return {
      files: parts.map((p) => path.basename(p.path)),
      rows: this.#rows,
      bytes: parts.map((p) => p.bytes),
      sha256: parts.map((p) => p.sha256),
    };
  }

  async abort(): Promise<void> {
    await Promise.allSettled(this.writers.map((w) => w.abort()));
  }
}
