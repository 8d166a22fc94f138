/**
 * Where the Parquet writer cuts its chunks (16 MiB of values, or 32,768 rows) does not depend on how
 * the rows were batched: the same rows in batches of any size make the same file, byte for byte,
 * NULLs after a cut included (a chunk's NULL count comes from its bitmap, not from the batch).
 * DuckDB reads every value back.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { OutputConfig } from '../../../src/config/schema.js';
import { t, type ColumnSpec, type Row } from '../../../src/schema/column-types.js';
import { parquetWriterSpec } from '../../../src/write/parquet.js';
import { withDuckDb } from './readers.js';

const output = {
  directory: 'x',
  formats: ['parquet'],
  part_rows: 100_000,
  file_mode: '0640',
  csv: { delimiter: ',', null_value: '', bom: false },
  xlsx: { warn_rows: 1_048_575 },
} as unknown as OutputConfig;

const columns: ColumnSpec[] = [
  { name: 'id', type: t.int64(), nullable: false },
  { name: 'note', type: t.string(), nullable: true },
  { name: 'n', type: t.int32(), nullable: true },
];

/** 3,600 rows of 4–12 KB: about 25 MB of text, so a chunk ends at 16 MiB inside some batch. */
const ROWS: Row[] = Array.from({ length: 3600 }, (_, i) => [
  String(i),
  i % 7 === 3 ? null : `${i}:`.padEnd(4000 + (i % 5) * 2000, String.fromCharCode(97 + (i % 26))),
  i % 11 === 5 ? null : i,
]);

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'moh-parquet-chunks-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function write(name: string, batchRows: number): Promise<Buffer> {
  const file = path.join(dir, name);
  // In this thread: the same encoder, nothing to wait for between tests.
  const w = await parquetWriterSpec({ thread: false }).open(file, columns, output);
  for (let i = 0; i < ROWS.length; i += batchRows)
    await w.write({ columns, rows: ROWS.slice(i, i + batchRows) });
  await w.commit();
  return readFileSync(file);
}

it('makes the same file whatever the batch size, every value read back', async () => {
  const files = [
    await write('a.parquet', 3600),
    await write('b.parquet', 250),
    await write('c.parquet', 999),
  ];
  expect(files[1]!.equals(files[0]!)).toBe(true);
  expect(files[2]!.equals(files[0]!)).toBe(true);
  await withDuckDb(async (query) => {
    const file = path.join(dir, 'b.parquet');
    const rows = await query(`SELECT id, note, n FROM read_parquet('${file}') ORDER BY id`);
    expect(rows).toHaveLength(ROWS.length);
    for (let i = 0; i < ROWS.length; i++) {
      const [id, note, n] = ROWS[i]!;
      expect([String(rows[i]!.id), rows[i]!.note, rows[i]!.n]).toEqual([id, note, n]);
    }
  });
});
