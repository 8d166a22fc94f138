/**
 * The Excel part writer (see excel.ts). Loaded on first use: exceljs and its zip stack cost memory
 * that runs without Excel output never need.
 */
import { once } from 'node:events';
import { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import { OutputError } from '../errors.js';
import type { ColumnSpec, RowBatch } from '../schema/column-types.js';
import type { AtomicFile } from './atomic.js';
import { columnWidth, headerNote, numberFormat } from './excel-columns.js';
import { addFilterNames, filterRef, type SheetFilter, type WorkbookZip } from './excel-filter.js';
import { CellFailure, RowRenderer } from './excel-rows.js';
import type { CommittedPart, PartWriter } from './writer.js';

/** A committed Excel part: also the number of sheets it holds (data, data_2, …; at least 1). */
export interface ExcelCommittedPart extends CommittedPart {
  sheets: number;
}

/** Rows sampled for column widths. */
const WIDTH_SAMPLE = 100;
/** Rendered rows are handed to the zip stream in chunks of about this many characters. */
const CHUNK_CHARS = 1 << 20;
/** write() waits while more than this many bytes of sheet XML wait to be compressed. */
const MAX_QUEUED = 4 << 20;

/**
 * The parts of exceljs 4.4's streaming worksheet used here beyond its typed API: `stream` is the
 * sheet's zip entry (a StreamBuf: 64 KiB `buffers` not yet handed on, then `pipes[0]`, archiver's
 * deflate stream), open once the header row is committed.
 */
interface StreamingSheet extends ExcelJS.Worksheet {
  commit(): void;
  readonly stream: { write(xml: string): Promise<unknown>; buffers?: unknown[]; pipes?: Writable[] };
}

export class ExcelPartWriter implements PartWriter {
  readonly #sink: Writable;
  readonly #workbook: ExcelJS.stream.xlsx.WorkbookWriter;
  #renderer: RowRenderer | undefined;
  #sheet: StreamingSheet | undefined;
  #sheets = 0;
  #sheetRows = 0;
  #rows = 0;
  #widths: number[] | undefined;
  readonly #filters: SheetFilter[] = [];
  #error: unknown;
  #aborted = false;

  constructor(
    private readonly file: AtomicFile,
    private readonly columns: ColumnSpec[],
    private readonly maxSheetRows: number,
  ) {
    this.#sink = new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        if (this.#aborted) return done();
        file.write(chunk).then(() => done(), done);
      },
    });
    this.#sink.on('error', (e: Error) => {
      this.#error ??= e;
    });
    this.#workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
      stream: this.#sink,
      useStyles: true,
      useSharedStrings: false,
    });
    this.#workbook.creator = 'moh-etl';
    const zip = (this.#workbook as unknown as { zip: WorkbookZip & NodeJS.EventEmitter }).zip;
    // archiver reports its own failures on the zip stream, which nobody else listens to.
    zip.on('error', (e: Error) => {
      this.#error ??= e;
    });
    addFilterNames(zip, () => this.#filters);
  }

  get bytes(): number {
    return this.file.bytes;
  }

  /** Sheets started so far (data, data_2, …); 0 before the first row or commit. */
  get sheets(): number {
    return this.#sheets;
  }

  async write(batch: RowBatch): Promise<void> {
    this.#check();
    this.#widths ??= this.columns.map((c, i) =>
      columnWidth(
        c,
        batch.rows.slice(0, WIDTH_SAMPLE).map((r) => r[i] ?? null),
      ),
    );
    let xml = '';
    try {
      for (const row of batch.rows) {
        if (!this.#sheet || this.#sheetRows === this.maxSheetRows) {
          if (xml) this.#put(xml);
          xml = '';
          this.#nextSheet();
        }
        xml += this.#renderer!.render(this.#sheetRows + 2, row);
        this.#sheetRows++;
        this.#rows++;
        if (xml.length >= CHUNK_CHARS) {
          this.#put(xml);
          xml = '';
        }
      }
    } catch (e) {
      this.#error = e;
      if (!(e instanceof CellFailure)) throw e;
      const col = this.columns[e.column]!;
      throw new OutputError(
        `${this.file.finalPath}: column "${col.name}" (${col.type.kind}), row ${this.#rows + 1} of the part: ${e.message}`,
        { cause: e, hint: 'shorten or leave out the column in the query for Excel output' },
      );
    }
    if (xml) this.#put(xml);
    await this.#drain();
    this.#check();
  }

  async commit(): Promise<ExcelCommittedPart> {
    this.#check();
    this.#widths ??= this.columns.map((c) => columnWidth(c, []));
    try {
      if (!this.#sheet) this.#nextSheet();
      this.#closeSheet();
      await this.#workbook.commit();
    } catch (e) {
      this.#error ??= e;
    }
    this.#check();
    return { ...(await this.file.commit(this.#rows)), sheets: this.#sheets };
  }

  async abort(): Promise<void> {
    this.#aborted = true;
    this.#error ??= new Error('aborted');
    this.#sink.destroy();
    await this.file.abort();
  }

  #put(xml: string): void {
    this.#sheet!.stream.write(xml).catch((e: unknown) => {
      this.#error ??= e;
    });
  }

  /**
   * StreamBuf hands its buffers on without waiting for the deflate stream, so a file or CPU slower
   * than the rendering would let the sheet pile up in memory: wait until the queue is short.
   */
  async #drain(): Promise<void> {
    const stream = this.#sheet!.stream;
    const queued = () => (stream.buffers?.length ?? 0) * 65_536 + pendingWrites(stream.pipes?.[0]);
    while (queued() > MAX_QUEUED && this.#error === undefined) {
      const next = stream.pipes?.[0];
      const waits: Promise<unknown>[] = [new Promise((resolve) => setTimeout(resolve, 20))];
      if (next && pendingWrites(next) > MAX_QUEUED) {
        const drained = new AbortController();
        waits.push(once(next, 'drain', { signal: drained.signal }).catch(() => undefined));
        await Promise.race(waits);
        drained.abort();
      } else await waits[0];
    }
    await new Promise((resolve) => setImmediate(resolve));
  }

  #check(): void {
    // A file-system failure already says what happened to which file (and what to do).
    if (this.#error instanceof OutputError) throw this.#error;
    if (this.#error !== undefined)
      throw new OutputError(`${this.file.finalPath}: the Excel writer failed: ${messageOf(this.#error)}`, {
        cause: this.#error,
      });
  }

  /**
   * The auto-filter covers the header and the rows actually written; exceljs's streaming sheet
   * writes it when the sheet is committed, after the rows, so the range can be set only now.
   */
  #closeSheet(): void {
    const sheet = this.#sheet!;
    const ref = filterRef(this.columns.length, this.#sheetRows);
    if (ref) {
      sheet.autoFilter = ref;
      this.#filters.push({ index: this.#sheets - 1, sheet: sheet.name, ref });
    }
    sheet.commit();
  }

  #nextSheet(): void {
    if (this.#sheet) this.#closeSheet();
    this.#sheets++;
    const sheet = this.#workbook.addWorksheet(this.#sheets === 1 ? 'data' : `data_${this.#sheets}`, {
      views: [{ state: 'frozen', ySplit: 1 }],
      // A printed page (of a filtered list, say) repeats the header row.
      pageSetup: { printTitlesRow: '1:1' },
    }) as StreamingSheet;
    const formats = this.columns.map(numberFormat);
    sheet.columns = this.columns.map((_, i) => ({
      width: this.#widths![i],
      ...(formats[i] ? { style: { numFmt: formats[i] } } : {}),
    }));
    const header = sheet.addRow(this.columns.map((c) => c.name));
    header.font = { bold: true };
    this.columns.forEach((c, i) => {
      const note = headerNote(c);
      if (note) header.getCell(i + 1).note = note;
    });
    header.commit();
    if (!this.#renderer) {
      const styles = (this.#workbook as unknown as { styles: StyleRegistry }).styles;
      this.#renderer = new RowRenderer(
        this.columns,
        formats.map((numFmt) => (numFmt ? styles.addStyleModel({ numFmt }) : 0)),
      );
    }
    this.#sheet = sheet;
    this.#sheetRows = 0;
  }
}

/** Bytes written to a stream and not yet consumed (archiver's readable-stream 2 has no writableLength). */
const pendingWrites = (w: Writable | undefined): number =>
  (w as { _writableState?: { length?: number } } | undefined)?._writableState?.length ??
  w?.writableLength ??
  0;

const messageOf = (e: unknown): string => (e instanceof Error ? e.message : JSON.stringify(e));

/** exceljs's style table (StylesXform): the cell style id for a style. */
interface StyleRegistry {
  addStyleModel(style: { numFmt: string }): number;
}
