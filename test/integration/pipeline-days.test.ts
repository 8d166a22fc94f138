/**
 * Thirty simulated days of the pipeline on every dialect: each day the demo database advances (new
 * rows, updates, late rows stamped behind the last run's watermark, hard deletes), `runPipeline`
 * runs an incremental extract → validate → transform → load, and the processed dataset — read by
 * DuckDB through data/processed/<source> — is compared cell by cell with the source as a full
 * extraction reads it at that moment: one row per key, every value equal. Hard deletes leave the
 * dataset only with a full refresh (day 20 here), so until then the dataset may hold exactly the
 * rows the source deleted since the last refresh, and nothing else. Retention holds throughout.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { LoadedConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/observe/logger.js';
import { runExtract } from '../../src/pipeline/extract-step.js';
import { runPipeline } from '../../src/pipeline/run-pipeline.js';
import type { ColumnSpec } from '../../src/schema/column-types.js';
import { describeEachDialect, tempDir, type TempDir } from '../helpers/databases.js';
import { advance, loadDemo, projectFor } from '../helpers/demo-source.js';
import { sqlString, withDuckDb } from '../unit/write/readers.js';

const SOURCES = ['patients', 'attendances', 'medications', 'lab_results'] as const;
type Source = (typeof SOURCES)[number];
const KEYS: Record<Source, string> = {
  patients: 'patient_id',
  attendances: 'attendance_id',
  medications: 'medication_id',
  lab_results: 'lab_result_id',
};
const DAYS = Number(process.env.MOH_PIPELINE_DAYS ?? 30);
const REFRESH_DAY = 20;
const KEEP_VERSIONS = 3;

describeEachDialect('the pipeline over 30 simulated days', (_target, connection) => {
  let dir: TempDir;
  let loaded: LoadedConfig;
  let oracle: LoadedConfig;

  beforeAll(async () => {
    dir = await tempDir();
    await loadDemo(connection(), { seed: 11, scale: 0.002, days: 10, startDate: '2025-01-01' });
    const overrides = {
      extraction: { batch_size: 500, settle_lag: '0s', lookback: '12h' },
      output: { part_rows: 2000 },
    };
    loaded = plain(projectFor(path.join(dir.path, 'pipeline'), connection(), overrides));
    oracle = projectFor(path.join(dir.path, 'oracle'), connection(), overrides);
  });
  afterAll(() => dir.remove());

  it('keeps data/processed equal to the source, day after day, with one refresh', async () => {
    const deletedSinceRefresh = Object.fromEntries(SOURCES.map((s) => [s, 0])) as Record<Source, number>;
    for (let day = 0; day <= DAYS; day++) {
      if (day > 0) {
        const changes = await advance(connection(), 1);
        for (const s of SOURCES) deletedSinceRefresh[s] += changes.deleted[s];
      }
      const refresh = day === REFRESH_DAY;
      const record = await runPipeline(loaded, {
        sources: [...SOURCES],
        mode: day === 0 || refresh ? 'refresh' : 'incremental',
        log: silentLogger(),
      });
      expect(
        record.sources.map((r) => [r.source, r.status, r.error]),
        `day ${day}`,
      ).toEqual(SOURCES.map((s) => [s, 'succeeded', undefined]));
      expect(record.exit_code).toBe(0);
      if (refresh) {
        for (const s of SOURCES) {
          const load = record.sources.find((r) => r.source === s)!.phases!.load!;
          expect(load.counts?.deleted, `${s}: hard deletes found by the refresh`).toBe(
            deletedSinceRefresh[s],
          );
          deletedSinceRefresh[s] = 0;
        }
      }
      const truth = await fullExtraction(oracle);
      for (const s of SOURCES) {
        const processed = await readProcessed(loaded, s, truth.columns[s]);
        const extra = [...processed.keys()].filter((k) => !truth.rows[s].has(k));
        expect(extra.length, `day ${day}, ${s}: keys the source no longer has`).toBe(deletedSinceRefresh[s]);
        for (const [key, row] of truth.rows[s]) {
          expect(processed.get(key), `day ${day}, ${s} ${KEYS[s]}=${key}`).toEqual(row);
        }
      }
    }
    // Retention: the current version plus at most KEEP_VERSIONS archived ones per source.
    for (const s of SOURCES) {
      const versions = readdirSync(path.join(loaded.root, 'data/archive', s)).filter(
        (v) => !v.startsWith('.'),
      );
      expect(versions.length, s).toBeLessThanOrEqual(KEEP_VERSIONS + 1);
    }
  });
});

/** The project without checks or transforms (the dataset must equal the source) and a short archive. */
function plain(project: LoadedConfig): LoadedConfig {
  project.config.validation.sources = {};
  project.config.load.keep_versions = KEEP_VERSIONS;
  return project;
}

interface Truth {
  rows: Record<Source, Map<string, string[]>>;
  columns: Record<Source, ColumnSpec[]>;
}

/** What the source holds now: a fresh full extraction to CSV (the extractor is exact; extract.test.ts). */
async function fullExtraction(project: LoadedConfig): Promise<Truth> {
  const summary = await runExtract(
    project,
    { sources: [...SOURCES], mode: 'full', fresh: true },
    silentLogger(),
  );
  const rows = {} as Truth['rows'];
  const columns = {} as Truth['columns'];
  for (const r of summary.sources) {
    const s = r.source as Source;
    const manifest = JSON.parse(readFileSync(r.manifest!, 'utf8')) as { columns: { name: string }[] };
    const header = manifest.columns.map((c) => c.name);
    const key = header.indexOf(KEYS[s]);
    const map = new Map<string, string[]>();
    for (const file of r.files) {
      const parsed: string[][] = parseCsv(readFileSync(file), { from_line: 2 });
      for (const row of parsed) map.set(row[key]!, row);
    }
    rows[s] = map;
    columns[s] = header.map((name) => ({ name }) as ColumnSpec);
  }
  return { rows, columns };
}

/** The processed dataset through its stable path, every value as the CSV writer would print it. */
async function readProcessed(project: LoadedConfig, source: Source, columns: ColumnSpec[]) {
  const glob = path.join(project.root, 'data/processed', source, '**', '*.parquet');
  return withDuckDb(async (q) => {
    const types = (await q(
      `SELECT column_name AS name, column_type AS type FROM (DESCRIBE SELECT * FROM read_parquet(${sqlString(glob)}))`,
    )) as { name: string; type: string }[];
    const typeOf = new Map(types.map((t) => [t.name, t.type]));
    const select = columns
      .map((c) => `${csvText(c.name, typeOf.get(c.name) ?? 'VARCHAR')} AS "${c.name}"`)
      .join(', ');
    const rows = (await q(`SELECT ${select} FROM read_parquet(${sqlString(glob)})`)) as Record<
      string,
      string
    >[];
    const out = new Map<string, string[]>();
    for (const r of rows) {
      const key = r[KEYS[source]]!;
      expect(out.has(key), `${source}: key ${key} twice in the processed dataset`).toBe(false);
      out.set(
        key,
        columns.map((c) => r[c.name] ?? ''),
      );
    }
    return out;
  });
}

/** DuckDB SQL giving a column's value in the CSV writer's canonical text ('' for NULL). */
function csvText(name: string, type: string): string {
  const col = `"${name}"`;
  if (type.startsWith('TIMESTAMP WITH TIME ZONE'))
    return `coalesce(strftime(${col} AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%fZ'), '')`;
  if (type.startsWith('TIMESTAMP')) return `coalesce(strftime(${col}, '%Y-%m-%dT%H:%M:%S.%f'), '')`;
  if (type === 'BOOLEAN') return `coalesce(CASE WHEN ${col} THEN 'true' ELSE 'false' END, '')`;
  return `coalesce(CAST(${col} AS VARCHAR), '')`;
}
