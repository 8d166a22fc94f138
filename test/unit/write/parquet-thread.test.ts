/**
 * The Parquet encoder thread: the same bytes as encoding in the writing thread, nothing visible
 * before commit, nothing left after abort, and every failure inside the worker (or of the worker
 * itself) surfacing as an OutputError from write/commit, never as a hang or an unhandled rejection.
 * Run from the TypeScript sources, the writer uses the compiled worker (npm run build first).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OutputConfig } from '../../../src/config/schema.js';
import { OutputError } from '../../../src/errors.js';
import { t, type ColumnSpec, type Row } from '../../../src/schema/column-types.js';
import { parquetWriterSpec } from '../../../src/write/parquet.js';
import { encoderThreadScript, stopEncoderThread } from '../../../src/write/parquet-thread.js';
import { EDGE_COLUMNS, EDGE_ROWS } from './edge-values.js';

const output = { file_mode: '0640', parquet: { compression: 'zstd', row_group_rows: 3 } } as OutputConfig;
const threaded = parquetWriterSpec({ thread: true });
const local = parquetWriterSpec({ thread: false });
const columns: ColumnSpec[] = [
  { name: 'id', type: t.int64(), nullable: false },
  { name: 'note', type: t.string(), nullable: true },
];
const rows = (n: number, from = 0): Row[] =>
  Array.from({ length: n }, (_, i) => [String(from + i), `row ${from + i}`]);

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'moh-parquet-thread-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe.runIf(encoderThreadScript() !== undefined)('Parquet encoder thread', () => {
  it('writes the same bytes as encoding in the writing thread', async () => {
    const files = [];
    for (const [name, spec] of [
      ['thread', threaded],
      ['local', local],
    ] as const) {
      const file = path.join(dir, `${name}.parquet`);
      const w = await spec.open(file, EDGE_COLUMNS, output);
      for (let i = 0; i < EDGE_ROWS.length; i += 2)
        await w.write({ columns: EDGE_COLUMNS, rows: EDGE_ROWS.slice(i, i + 2) });
      const part = await w.commit();
      expect(part.rows).toBe(EDGE_ROWS.length);
      files.push(readFileSync(file));
    }
    expect(files[0]!.equals(files[1]!)).toBe(true);
  });

  it('is invisible until commit and leaves nothing after abort', async () => {
    const file = path.join(dir, 'part-00000.parquet');
    const w = await threaded.open(file, columns, {
      ...output,
      parquet: { ...output.parquet, row_group_rows: 50_000 },
    });
    for (let i = 0; i < 4; i++) await w.write({ columns, rows: rows(50_000, i * 50_000) });
    expect(readdirSync(dir).filter((f) => !f.startsWith('.'))).toEqual([]);
    expect(w.bytes).toBeGreaterThan(0);
    await w.abort();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('reports a failure inside the worker as an OutputError from commit', async () => {
    const file = path.join(dir, 'part-00000.parquet');
    const w = await threaded.open(file, columns, output);
    await w.write({ columns, rows: rows(10) });
    // Someone removes the temporary file: the footer check (in the worker) cannot read it.
    for (const f of readdirSync(dir)) unlinkSync(path.join(dir, f));
    await expect(w.commit()).rejects.toBeInstanceOf(OutputError);
    await w.abort();
    expect(readdirSync(dir)).toEqual([]);
    // The worker survives a part's failure: the next part works.
    const w2 = await threaded.open(file, columns, output);
    await w2.write({ columns, rows: rows(10) });
    expect((await w2.commit()).rows).toBe(10);
  });

  it('fails open parts with an OutputError when the worker dies, and abort still cleans up', async () => {
    const file = path.join(dir, 'part-00000.parquet');
    const w = await threaded.open(file, columns, output);
    await w.write({ columns, rows: rows(1000) });
    await stopEncoderThread();
    const failed = async () => {
      await w.write({ columns, rows: rows(70_000) });
      await w.commit();
    };
    await expect(failed()).rejects.toBeInstanceOf(OutputError);
    await w.abort();
    expect(readdirSync(dir)).toEqual([]);
    // A new part starts a new worker.
    const w2 = await threaded.open(file, columns, output);
    await w2.write({ columns, rows: rows(10) });
    expect((await w2.commit()).rows).toBe(10);
  });

  it('refuses a bad value with an OutputError naming column and row, and cleans up', async () => {
    const file = path.join(dir, 'part-00000.parquet');
    const w = await threaded.open(file, columns, output);
    await expect(
      w.write({
        columns,
        rows: [
          ['1', 'a'],
          ['x', 'b'],
        ],
      }),
    ).rejects.toThrow(/column "id".*row 2/);
    await expect(w.commit()).rejects.toBeInstanceOf(OutputError);
    await w.abort();
    expect(readdirSync(dir)).toEqual([]);
  });
});
