/**
 * Where an ad-hoc run's batches are written, one sink per kind of target (adhoc-output.ts), in a
 * registry like the writers'. An ad-hoc run has nothing to resume, so a sink that is aborted
 * removes everything it wrote: a failed or stopped run leaves no file behind.
 */
import { existsSync, rmdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Writable } from 'node:stream';
import type { OutputConfig } from '../config/schema.js';
import type { PartCut } from '../extract/batches.js';
import type { CommittedPartRecord } from '../extract/state.js';
import type { ColumnSpec, RowBatch } from '../schema/column-types.js';
import { CsvBatchEncoder, csvField, quoteRule } from '../write/csv-batch.js';
import { runDirectory, writeManifest, type Manifest } from '../write/layout.js';
import { PartSet } from '../write/part-set.js';
import { writerFor } from '../write/registry.js';
import type { CommittedPart, PartWriter } from '../write/writer.js';
import type { OutputTarget } from './adhoc-output.js';

export interface SinkResult {
  files: CommittedPart[];
  manifest?: string;
}

export interface AdhocSink {
  /** Can take the server's bytes (RowBatch.encoded) without decoded rows. */
  readonly encodedRows: boolean;
  /** Part boundaries the reader must not fetch across (sinks that write parts). */
  readonly cut?: PartCut;
  write(batch: RowBatch, endsPart: boolean): Promise<void>;
  finish(): Promise<SinkResult>;
  abort(): Promise<void>;
}

export interface SinkRequest {
  columns: ColumnSpec[];
  output: OutputConfig;
  /** Standard output for `--stdout` (default process.stdout). */
  stream?: Writable;
  /** The day a directory target's run is filed under (`<dir>/<name>/extract_date=…/<run_id>`). */
  extractDate: string;
  /** The manifest of a directory target, less what the sink knows (rows, parts, columns). */
  manifest: Omit<Manifest, 'manifest_version' | 'columns' | 'parts' | 'rows' | 'finished_at'>;
  /** Indexes of the key columns in `columns`, for the manifest's per-part key range. */
  keyIndexes: number[];
}

type Opener<K extends OutputTarget['kind']> = (
  target: Extract<OutputTarget, { kind: K }>,
  req: SinkRequest,
) => Promise<AdhocSink>;

const SINKS: { [K in OutputTarget['kind']]: Opener<K> } = {
  stdout: (_t, req) =>
    Promise.resolve(new StdoutSink(req.stream ?? process.stdout, req.columns, req.output.csv)),
  file: async (t, req) => {
    const spec = writerFor(t.format);
    return new FileSink(await spec.open(t.path, req.columns, req.output), spec.capabilities.encodedRows);
  },
  directory: (t, req) => Promise.resolve(new DirectorySink(t, req)),
};

export function openSink(target: OutputTarget, req: SinkRequest): Promise<AdhocSink> {
  return (SINKS[target.kind] as Opener<typeof target.kind>)(target, req);
}

/**
 * CSV on standard output, with the writers' encoder (the same exact text as a CSV file) and no
 * byte order mark (a pipe's reader is a program). A batch is written only after the previous one
 * has left the process: the encoder reuses its buffer, and a slow reader slows the reading.
 */
class StdoutSink implements AdhocSink {
  readonly encodedRows = true;
  readonly #encoder: CsvBatchEncoder;
  readonly #header: string;
  #started = false;
  // An 'error' nobody listens to would be thrown; the write's callback reports it instead.
  readonly #ignore = () => undefined;

  constructor(
    private readonly stream: Writable,
    columns: ColumnSpec[],
    csv: OutputConfig['csv'],
  ) {
    this.#encoder = new CsvBatchEncoder(csv.delimiter, csv.null_value, columns);
    const quote = quoteRule(csv.delimiter);
    this.#header = columns.map((c) => csvField(c.name, quote)).join(csv.delimiter) + '\n';
    stream.on('error', this.#ignore);
  }

  async write(batch: RowBatch): Promise<void> {
    const head = this.#started ? '' : this.#header;
    this.#started = true;
    await this.#put(
      batch.encoded
        ? this.#encoder.encodeEncoded(batch.encoded, head)
        : this.#encoder.encode(batch.rows, head),
    );
  }

  async finish(): Promise<SinkResult> {
    if (!this.#started) await this.write({ columns: [], rows: [] });
    this.stream.off('error', this.#ignore);
    return { files: [] };
  }

  abort(): Promise<void> {
    this.stream.off('error', this.#ignore);
    return Promise.resolve();
  }

  #put(bytes: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => this.stream.write(bytes, (e) => (e ? reject(e) : resolve())));
  }
}

/** One file in one format: one part, however many rows (Excel starts another sheet past a full one). */
class FileSink implements AdhocSink {
  constructor(
    private readonly writer: PartWriter,
    readonly encodedRows: boolean,
  ) {}

  async write(batch: RowBatch): Promise<void> {
    await this.writer.write(batch);
  }

  async finish(): Promise<SinkResult> {
    return { files: [await this.writer.commit()] };
  }

  abort(): Promise<void> {
    return this.writer.abort();
  }
}

/**
 * Parts of part_rows rows (fewer for a format with a smaller limit, or at part_bytes) under the run
 * directory, then the manifest, as an extraction to output.directory lays them out.
 */
class DirectorySink implements AdhocSink {
  readonly cut: PartCut;
  readonly encodedRows: boolean;
  readonly #specs;
  readonly #maxBytes: number;
  readonly #parts: CommittedPartRecord[] = [];
  readonly #files: CommittedPart[] = [];
  /** Directories this run creates, deepest first: removed again (when empty) if it fails. */
  readonly #created: string[] = [];
  readonly #dir: string;
  #part: PartSet | undefined;

  constructor(
    target: Extract<OutputTarget, { kind: 'directory' }>,
    private readonly req: SinkRequest,
  ) {
    const { manifest } = req;
    this.#dir = runDirectory(target.directory, manifest.source, req.extractDate, manifest.run_id);
    this.#specs = target.formats.map(writerFor);
    this.encodedRows = this.#specs.every((s) => s.capabilities.encodedRows);
    const maxRows = Math.min(req.output.part_rows, ...this.#specs.map((s) => s.capabilities.maxRowsPerPart));
    this.cut = { partRows: maxRows, sinceCut: 0 };
    this.#maxBytes = req.output.part_bytes ?? Number.POSITIVE_INFINITY;
    for (let d = this.#dir; !existsSync(d) && path.dirname(d) !== d; d = path.dirname(d))
      this.#created.push(d);
  }

  async write(batch: RowBatch, endsPart: boolean): Promise<void> {
    const { columns, output, keyIndexes } = this.req;
    this.#part ??= (
      await PartSet.open(this.#dir, this.#parts.length, this.#specs, columns, output)
    ).trackKeys(keyIndexes);
    await this.#part.write(batch);
    if (endsPart || this.#part.rows >= this.cut.partRows) await this.#commit();
    else if (this.#part.bytes >= this.#maxBytes) {
      this.cut.sinceCut = 0;
      await this.#commit();
    }
  }

  async finish(): Promise<SinkResult> {
    if (this.#part) await this.#commit();
    const { manifest, columns, output } = this.req;
    const rows = this.#parts.reduce((n, p) => n + p.rows, 0);
    const file = await writeManifest(
      this.#dir,
      { ...manifest, rows, finished_at: new Date().toISOString() },
      columns,
      this.#parts,
      Number.parseInt(output.file_mode, 8),
    );
    return { files: this.#files, manifest: file };
  }

  async abort(): Promise<void> {
    await this.#part?.abort();
    rmSync(this.#dir, { recursive: true, force: true });
    for (const d of this.#created) {
      try {
        rmdirSync(d);
      } catch {
        // Not empty (another run's files) or gone: leave it.
      }
    }
  }

  async #commit(): Promise<void> {
    const part = this.#part!;
    this.#part = undefined;
    let record: CommittedPartRecord;
    try {
      record = await part.commit();
    } catch (e) {
      await part.abort();
      throw e;
    }
    this.#parts.push(record);
    record.files.forEach((f, i) =>
      this.#files.push({
        path: path.join(this.#dir, f),
        rows: record.rows,
        bytes: record.bytes[i]!,
        sha256: record.sha256[i]!,
      }),
    );
  }
}
