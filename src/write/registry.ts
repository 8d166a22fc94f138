import type { OutputFormat } from '../config/schema.js';
import { UsageError } from '../errors.js';
import { csvWriter } from './csv.js';
import { excelWriter } from './excel.js';
import { parquetWriter } from './parquet.js';
import type { WriterSpec } from './writer.js';

const WRITERS = new Map<OutputFormat, WriterSpec>([
  ['csv', csvWriter],
  ['parquet', parquetWriter],
  ['xlsx', excelWriter],
]);

export function availableFormats(): OutputFormat[] {
  return [...WRITERS.keys()];
}

/** The writer for a format; the error lists the formats this build can write. */
export function writerFor(format: OutputFormat): WriterSpec {
  const spec = WRITERS.get(format);
  if (!spec) {
    throw new UsageError(
      `output format "${format}" is not available yet (available: ${availableFormats().join(', ')})`,
      {
        hint: `use --format ${availableFormats().join(' | ')}`,
      },
    );
  }
  return spec;
}
