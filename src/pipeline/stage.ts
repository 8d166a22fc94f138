/**
 * The transform step, run in the extraction pass: each batch written to a raw part is also
 * transformed (src/transform/) and written to a staged Parquet file beside it, committed with the
 * part and named by the same checkpoint. So a crash, a retry or a resume never leaves a staged file
 * that disagrees with the raw parts, and the load step reads the staged files of a finished run.
 * Staged files live under load.staging_directory/<source>/<run_id>/ and are removed once loaded.
 */
import { createHash, createHmac } from 'node:crypto';
import path from 'node:path';
import type { LoadedConfig } from '../config/load.js';
import type { OutputConfig } from '../config/schema.js';
import { SourceError } from '../errors.js';
import type { SourcePlan } from '../extract/plan.js';
import type { StagedFile } from '../extract/state.js';
import type { ColumnSpec } from '../schema/column-types.js';
import {
  compileTransform,
  pseudonymKey,
  requiresPseudonymKey,
  type CompiledTransform,
} from '../transform/index.js';
import { partFileName } from '../write/layout.js';
import { parquetWriter } from '../write/parquet.js';
import type { PartCompanion } from './copy-rows.js';

/** What the extraction needs to stage a source's transformed rows. */
export interface StageRequest {
  /** load.staging_directory, resolved. */
  root: string;
  /** Identifies the transform (config and key): a run resumed under another one is refused. */
  fingerprint: string;
  companion(directory: string, index: number): Promise<PartCompanion>;
}

/** A source's transform, compiled once the query's columns are known, and its running totals. */
export class SourceStage {
  #compiled: CompiledTransform | undefined;
  /** Time spent transforming and writing staged files (the transform phase's duration). */
  elapsedMs = 0;

  constructor(
    private readonly loaded: LoadedConfig,
    readonly source: string,
  ) {}

  /** Compile against the plan's columns (SourceRunRequest.onPlan): a bad transform fails before any row. */
  compile(plan: SourcePlan): void {
    const config = this.loaded.config;
    const compiled = compileTransform({
      source: this.source,
      config: config.transform,
      columns: plan.columns,
      piiColumns: config.sources[this.source]!.pii_columns,
      env: this.loaded.env,
      timeZone: config.extraction.timezone,
    });
    const source = config.sources[this.source]!;
    for (const key of [...source.primary_key, ...(source.cursor_column ? [source.cursor_column] : [])]) {
      if (!compiled.columns.some((c) => c.name === key))
        throw new SourceError(
          `source "${this.source}": the transform drops "${key}", which the processed dataset needs (primary key or cursor)`,
          { hint: `keep, pseudonymise or generalise ${key} in transform.sources.${this.source}.pii` },
        );
    }
    this.#compiled = compiled;
  }

  /** The staged files' columns. */
  get columns(): ColumnSpec[] {
    return this.#transform().columns;
  }

  counters(): Record<string, number> {
    return this.#compiled?.counters() ?? {};
  }

  request(): StageRequest {
    return {
      root: path.resolve(this.loaded.root, this.loaded.config.load.staging_directory, this.source),
      fingerprint: transformFingerprint(this.loaded, this.source),
      companion: (directory, index) => this.#open(directory, index),
    };
  }

  async #open(directory: string, index: number): Promise<PartCompanion> {
    const transform = this.#transform();
    const file = path.join(directory, partFileName(index, 'parquet'));
    const writer = await parquetWriter.open(
      file,
      transform.columns,
      stagingOutput(this.loaded.config.output),
    );
    const before = transform.counters();
    return {
      write: async (batch) => {
        const t0 = performance.now();
        await writer.write(transform.apply(batch));
        this.elapsedMs += performance.now() - t0;
      },
      commit: async (): Promise<StagedFile> => {
        const t0 = performance.now();
        const part = await writer.commit();
        this.elapsedMs += performance.now() - t0;
        const counters = difference(transform.counters(), before);
        return {
          file: path.basename(part.path),
          rows: part.rows,
          bytes: part.bytes,
          sha256: part.sha256,
          counters,
        };
      },
      abort: () => writer.abort(),
    };
  }

  #transform(): CompiledTransform {
    if (!this.#compiled) throw new Error(`the transform of source "${this.source}" was not compiled`);
    return this.#compiled;
  }
}

/** What the counters gained since `before` (a part's share of the attempt's running totals). */
function difference(now: Record<string, number>, before: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(now).map(([k, v]) => [k, v - (before[k] ?? 0)]));
}

/** The totals of a run's committed parts: what its transform phase did, across attempts and resumes. */
export function stagedCounters(
  parts: readonly { staged?: StagedFile }[],
): Record<string, number> | undefined {
  if (!parts.some((p) => p.staged?.counters)) return undefined;
  const total: Record<string, number> = {};
  for (const p of parts)
    for (const [k, v] of Object.entries(p.staged?.counters ?? {})) total[k] = (total[k] ?? 0) + v;
  return total;
}

/**
 * The pseudonymisation key is needed before anything is read: its absence is a configuration
 * problem (exit 2) found at the start of the run, not at the first batch.
 */
export function checkPseudonymKeys(loaded: LoadedConfig, sources: readonly string[]): void {
  const transform = loaded.config.transform;
  if (sources.some((s) => requiresPseudonymKey(transform, s)))
    pseudonymKey(loaded.env, transform.pseudonym_key_env);
}

/**
 * The transform's identity: its configuration and a keyed tag of the pseudonymisation key (never the
 * key). Staged parts of one run must all come from the same transform.
 */
export function transformFingerprint(loaded: LoadedConfig, source: string): string {
  const transform = loaded.config.transform;
  const key = requiresPseudonymKey(transform, source) ? loaded.env[transform.pseudonym_key_env] : undefined;
  const keyTag = key ? createHmac('sha256', key).update('moh-etl staging fingerprint').digest('hex') : '';
  const body = JSON.stringify([transform.profile, transform.sources[source] ?? null, keyTag]);
  return createHash('sha256').update(body).digest('hex').slice(0, 16);
}

/** Staged files are Parquet whatever the raw formats: the load engine reads them with exact types. */
function stagingOutput(output: OutputConfig): OutputConfig {
  return { ...output, formats: ['parquet'] };
}
