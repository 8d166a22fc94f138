/**
 * CSV per RFC 4180: CRLF is not required by readers, so rows end with LF; a field is quoted when it
 * holds the delimiter, a quote, CR, LF, or leading/trailing whitespace (which some readers trim).
 * Each batch becomes one buffer and one write (csv-batch.ts), far faster than a per-row stream
 * transform. Values are the canonical text: exact decimals, ISO 8601 dates and timestamps; binary
 * columns are base64 (documented in DATA_EXTRACTION_GUIDE.md).
 */
import { rowCount, type ColumnSpec, type RowBatch } from '../schema/column-types.js';
import type { OutputConfig } from '../config/schema.js';
import { AtomicFile } from './atomic.js';
import { CsvBatchEncoder, csvField, quoteRule } from './csv-batch.js';
import type { PartWriter, WriterSpec } from './writer.js';

export const csvWriter: WriterSpec = {
  format: 'csv',
  extension: 'csv',
  capabilities: { typed: false, maxRowsPerPart: Number.MAX_SAFE_INTEGER, encodedRows: true },
  async open(path, columns, options) {
    const file = await AtomicFile.create(path, Number.parseInt(options.file_mode, 8));
    return new CsvPartWriter(file, columns, options.csv);
  },
};

class CsvPartWriter implements PartWriter {
  #rows = 0;
  readonly #encoder: CsvBatchEncoder;
  readonly #header: string;
  #started = false;

  constructor(
    private readonly file: AtomicFile,
    columns: ColumnSpec[],
    options: OutputConfig['csv'],
  ) {
    const quote = quoteRule(options.delimiter);
    this.#encoder = new CsvBatchEncoder(options.delimiter, options.null_value, columns);
    this.#header =
      (options.bom ? '\ufeff' : '') +
      columns.map((c) => csvField(c.name, quote)).join(options.delimiter) +
      '\n';
  }

  get bytes(): number {
    return this.file.bytes;
  }

  async write(batch: RowBatch): Promise<void> {
    const head = this.#started ? '' : this.#header;
    this.#started = true;
    // The encoder's buffer is reused by the next batch: the write must finish first (it does:
    // AtomicFile.write resolves once the bytes are in the file).
    const bytes = batch.encoded
      ? this.#encoder.encodeEncoded(batch.encoded, head)
      : this.#encoder.encode(batch.rows, head);
    await this.file.write(bytes);
    this.#rows += rowCount(batch);
  }

  async commit() {
    if (!this.#started) await this.write({ columns: [], rows: [] });
    return this.file.commit(this.#rows);
  }

  abort() {
    return this.file.abort();
  }
}
