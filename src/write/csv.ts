/**
 * CSV per RFC 4180: CRLF is not required by readers, so rows end with LF; a field is quoted when it
 * holds the delimiter, a quote, CR, LF, or leading/trailing spaces (which some readers trim). Each
 * batch becomes one string and one write, which is far faster than a per-row stream transform.
 * Values are the canonical text: exact decimals, ISO 8601 dates and timestamps.
 */
import type { CellValue, ColumnSpec, RowBatch } from '../schema/column-types.js';
import type { OutputConfig } from '../config/schema.js';
import { AtomicFile } from './atomic.js';
import type { PartWriter, WriterSpec } from './writer.js';

export const csvWriter: WriterSpec = {
  format: 'csv',
  extension: 'csv',
  capabilities: { typed: false, maxRowsPerPart: Number.MAX_SAFE_INTEGER },
  async open(path, columns, options) {
    const file = await AtomicFile.create(path, Number.parseInt(options.file_mode, 8));
    return new CsvPartWriter(file, columns, options.csv);
  },
};

class CsvPartWriter implements PartWriter {
  #rows = 0;
  readonly #quote: RegExp;
  readonly #format: ((v: CellValue) => string)[];

  constructor(
    private readonly file: AtomicFile,
    columns: ColumnSpec[],
    private readonly options: OutputConfig['csv'],
  ) {
    const d = options.delimiter.replace(/[\\^$.*+?()[\]{}|-]/g, '\\$&');
    this.#quote = new RegExp(`[${d}"\\r\\n]|^\\s|\\s$`);
    this.#format = columns.map((c) => (c.type.kind === 'binary' ? formatBinary : formatText));
    this.#header = columns.map((c) => this.#field(c.name)).join(options.delimiter) + '\n';
  }

  readonly #header: string;
  #started = false;

  async write(batch: RowBatch): Promise<void> {
    let out = '';
    if (!this.#started) {
      out = (this.options.bom ? '\ufeff' : '') + this.#header;
      this.#started = true;
    }
    const { delimiter, null_value } = this.options;
    const fmt = this.#format;
    for (const row of batch.rows) {
      let line = '';
      for (let i = 0; i < row.length; i++) {
        const v = row[i]!;
        if (i > 0) line += delimiter;
        line += v === null ? null_value : this.#field(fmt[i]!(v));
      }
      out += line + '\n';
    }
    this.#rows += batch.rows.length;
    await this.file.write(out);
  }

  async commit() {
    if (!this.#started) await this.write({ columns: [], rows: [] });
    return this.file.commit(this.#rows);
  }

  abort() {
    return this.file.abort();
  }

  #field(text: string): string {
    return this.#quote.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  }
}

const formatText = (v: CellValue): string => (typeof v === 'string' ? v : String(v));
/** Binary columns are written as base64 text (documented in DATA_EXTRACTION_GUIDE.md). */
const formatBinary = (v: CellValue): string => Buffer.from(v as Uint8Array).toString('base64');
