/**
 * The extract step: for each requested source, plan → read batches → write parts → manifest →
 * state. A failing source does not stop the others; the run fails (exit 1) if any source failed.
 * Files become visible only when committed, and the watermark moves only after the manifest is
 * written, so a crash leaves at worst an unfinished run directory without a manifest.
 */
import path from 'node:path';
import type { LoadedConfig } from '../config/load.js';
import type { ExtractionMode, OutputFormat } from '../config/schema.js';
import { ConnectionSet } from '../db/connection.js';
import { isMohEtlError } from '../errors.js';
import { readBatches, type PositionedBatch } from '../extract/batches.js';
import { todayIn, type DateRange } from '../extract/date-range.js';
import { planSource, type SourcePlan } from '../extract/plan.js';
import { StateStore, toStoredValues } from '../extract/state.js';
import type { Logger } from '../observe/logger.js';
import { partFileName, runDirectory, writeManifest } from '../write/layout.js';
import { writerFor } from '../write/registry.js';
import type { CommittedPart, PartWriter } from '../write/writer.js';
import { newRunId } from './run-id.js';
import type { RunSummary, SourceResult } from './summary.js';

export interface ExtractOptions {
  sources: string[];
  /** Overrides each source's configured mode. */
  mode?: ExtractionMode;
  range?: DateRange;
  formats?: OutputFormat[];
  runId?: string;
  /** Called after each source, for progress output. */
  onSource?: (result: SourceResult) => void;
}

export async function runExtract(
  loaded: LoadedConfig,
  options: ExtractOptions,
  log: Logger,
): Promise<RunSummary> {
  const { config, root } = loaded;
  const runId = options.runId ?? newRunId();
  const started = new Date();
  const connections = new ConnectionSet(config.connections, root);
  const state = new StateStore(path.resolve(root, config.extraction.state_dir));
  const results: SourceResult[] = [];
  try {
    for (const name of options.sources) {
      const t0 = Date.now();
      const source = config.sources[name]!;
      const mode = options.mode ?? source.mode ?? config.extraction.default_mode;
      const slog = log.child({ source: name, run_id: runId });
      let result: SourceResult;
      try {
        const conn = connections.get(source.connection);
        const plan = await planSource(conn, {
          name,
          source,
          template: loaded.queries[source.query ?? name]!,
          mode,
          range: options.range,
          timeZone: config.extraction.timezone,
          batchSize: config.extraction.batch_size,
          watermark: state.read(name).watermark,
        });
        const written = await writeSource(loaded, plan, runId, started, options.formats, () =>
          readBatches(conn, plan),
        );
        if (plan.mode === 'incremental' && written.lastPosition) {
          await state.write({
            ...state.read(name),
            watermark: { columns: [...plan.orderColumns], values: toStoredValues(written.lastPosition) },
          });
        }
        result = {
          source: name,
          status: 'succeeded',
          mode: plan.mode,
          rows: written.rows,
          files: written.files,
          manifest: written.manifest,
          duration_ms: Date.now() - t0,
          note: plan.note,
        };
        slog.info({ rows: written.rows, files: written.files }, 'source extracted');
      } catch (e) {
        result = {
          source: name,
          status: 'failed',
          mode,
          rows: 0,
          files: [],
          duration_ms: Date.now() - t0,
          error: (e as Error).message,
          hint: isMohEtlError(e) ? e.hint : undefined,
        };
        slog.error({ err: e }, 'source failed');
      }
      await state.write({
        ...state.read(name),
        last_run: {
          run_id: runId,
          mode: result.mode,
          status: result.status,
          rows: result.rows,
          finished_at: new Date().toISOString(),
        },
      });
      results.push(result);
      options.onSource?.(result);
    }
  } finally {
    await connections.closeAll();
  }
  return {
    run_id: runId,
    command: 'extract',
    status: results.every((r) => r.status === 'succeeded') ? 'succeeded' : 'failed',
    started_at: started.toISOString(),
    finished_at: new Date().toISOString(),
    range: options.range,
    sources: results,
  };
}

interface Written {
  rows: number;
  files: string[];
  manifest?: string;
  lastPosition?: unknown[];
}

async function writeSource(
  loaded: LoadedConfig,
  plan: SourcePlan,
  runId: string,
  started: Date,
  formats: OutputFormat[] | undefined,
  batches: () => AsyncIterable<PositionedBatch>,
): Promise<Written> {
  const { output, extraction } = loaded.config;
  const dir = runDirectory(
    path.resolve(loaded.root, output.directory),
    plan.name,
    todayIn(extraction.timezone, started),
    runId,
  );
  const specs = (formats ?? output.formats).map(writerFor);
  const writers: PartWriter[] = [];
  let rows = 0;
  let lastPosition: unknown[] | undefined;
  try {
    for await (const batch of batches()) {
      // Parts are opened on the first row: an empty increment leaves a manifest and no empty files.
      if (writers.length === 0) {
        for (const spec of specs) {
          writers.push(
            await spec.open(path.join(dir, partFileName(0, spec.extension)), plan.columns, output),
          );
        }
      }
      for (const w of writers) await w.write(batch);
      rows += batch.rows.length;
      lastPosition = batch.position;
    }
    const parts: CommittedPart[] = [];
    for (const w of writers) parts.push(await w.commit());
    const mode = Number.parseInt(output.file_mode, 8);
    const finished = new Date().toISOString();
    const manifest = await writeManifest(
      dir,
      {
        run_id: runId,
        source: plan.name,
        mode: plan.mode,
        range: plan.range,
        format: specs.map((s) => s.format).join(','),
        rows,
        started_at: started.toISOString(),
        finished_at: finished,
      },
      plan.columns,
      parts,
      mode,
    );
    return { rows, files: parts.map((p) => p.path), manifest, lastPosition };
  } catch (e) {
    await Promise.allSettled(writers.map((w) => w.abort()));
    throw e;
  }
}
