/**
 * Rows the watermark passed without a load still reach the processed dataset: `moh-etl extract`
 * and `run --phases extract,validate` move the watermark and leave an `unloaded` mark; the next run
 * that loads reads again from there, and clears it. A processed dataset that was removed is rebuilt
 * from the start. Checked against a full extraction of the source: every key of the source is in
 * the dataset, once.
 */
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { statusCommand } from '../../src/cli/commands/status.js';
import type { LoadedConfig } from '../../src/config/load.js';
import { StateStore } from '../../src/extract/state.js';
import { silentLogger } from '../../src/observe/logger.js';
import { runExtract } from '../../src/pipeline/extract-step.js';
import { runPipeline } from '../../src/pipeline/run-pipeline.js';
import type { Phase } from '../../src/pipeline/summary.js';
import { describeEachDialect, tempDir, type TempDir } from '../helpers/databases.js';
import { advance, loadDemo, projectFor } from '../helpers/demo-source.js';
import { sqlString, withDuckDb } from '../unit/write/readers.js';

const SOURCE = 'attendances';
const KEY = 'attendance_id';

describeEachDialect('rows extracted without a load', (_target, connection) => {
  let dir: TempDir;
  let loaded: LoadedConfig;
  let oracle: LoadedConfig;
  const state = () => new StateStore(path.join(loaded.root, 'data/state')).read(SOURCE);
  const run = (phases?: Phase[]) =>
    runPipeline(loaded, { sources: [SOURCE], log: silentLogger(), ...(phases ? { phases } : {}) });

  beforeAll(async () => {
    dir = await tempDir();
    await loadDemo(connection(), { seed: 5, scale: 0.002, days: 6, startDate: '2025-03-01' });
    const overrides = { extraction: { batch_size: 300, settle_lag: '0s', lookback: '12h' } };
    loaded = projectFor(path.join(dir.path, 'p'), connection(), overrides);
    loaded.config.validation.sources = {};
    oracle = projectFor(path.join(dir.path, 'oracle'), connection(), overrides);
  });
  afterAll(() => dir.remove());

  it('are loaded by the next run that loads, from where the dataset stopped', async () => {
    expect((await run()).exit_code).toBe(0);
    const firstWatermark = state().watermark;
    expect(firstWatermark).toBeDefined();
    expect(state().unloaded).toBeUndefined();

    await advance(connection(), 1);
    const extracted = await runExtract(loaded, { sources: [SOURCE], mode: 'incremental' }, silentLogger());
    expect(extracted.sources[0]!.rows).toBeGreaterThan(0);
    expect(state().unloaded).toEqual({ watermark: firstWatermark, since_run: extracted.run_id });
    const shown: string[] = [];
    await statusCommand({ projectDir: loaded.root }, (line) => shown.push(line));
    expect(shown.join('\n')).toContain(
      `attendances: rows extracted since run ${extracted.run_id} are not in the processed dataset yet`,
    );

    await advance(connection(), 1);
    const validatedOnly = await run(['extract', 'validate']);
    expect(validatedOnly.exit_code).toBe(0);
    // The oldest position is kept: the dataset is still missing the first extract's rows.
    expect(state().unloaded?.since_run).toBe(extracted.run_id);
    expect(await missingKeys()).not.toEqual([]);

    await advance(connection(), 1);
    const catchUp = await run();
    expect(catchUp.exit_code).toBe(0);
    expect(catchUp.sources[0]!.warnings?.join('\n')).toMatch(/were not loaded .* reads them again/);
    expect(state().unloaded).toBeUndefined();
    expect(await missingKeys()).toEqual([]);

    // Quiet again: the next run starts at the watermark, warns about nothing of the kind.
    const next = await run();
    expect(next.sources[0]!.warnings?.join('\n') ?? '').not.toMatch(/not loaded/);
  });

  it('refuses a dataset whose link was removed by hand, and keeps the watermark', async () => {
    const before = state().watermark;
    rmSync(path.join(loaded.root, 'data/processed', SOURCE), { force: true, recursive: true });
    await advance(connection(), 1);
    const refused = await run();
    expect(refused.exit_code).toBe(1);
    expect(refused.sources[0]!.error).toMatch(/is missing but .* holds versions/);
    expect(refused.sources[0]!.hint).toMatch(/^link the version to restore: ln -s /);
    expect(state().watermark).toEqual(before);
  });

  it('rebuilds a removed processed dataset from the start', async () => {
    for (const d of ['data/processed', 'data/archive'])
      rmSync(path.join(loaded.root, d, SOURCE), { force: true, recursive: true });
    await advance(connection(), 1);
    const rebuilt = await run();
    expect(rebuilt.sources[0]!.error).toBeUndefined();
    expect(rebuilt.exit_code).toBe(0);
    expect(rebuilt.sources[0]!.warnings?.join('\n')).toMatch(/does not exist yet/);
    expect(await missingKeys()).toEqual([]);
  });

  /** Keys the source has and the processed dataset does not; a key twice in the dataset fails. */
  async function missingKeys(): Promise<string[]> {
    const truth = await runExtract(oracle, { sources: [SOURCE], mode: 'full', fresh: true }, silentLogger());
    const result = truth.sources[0]!;
    const keys = new Set<string>();
    for (const file of result.files) {
      const rows: Record<string, string>[] = parseCsv(readFileSync(file), { columns: true });
      for (const r of rows) keys.add(r[KEY]!);
    }
    const glob = path.join(loaded.root, 'data/processed', SOURCE, '**', '*.parquet');
    const processed = await withDuckDb(
      (q) =>
        q(`SELECT CAST(${KEY} AS VARCHAR) AS k FROM read_parquet(${sqlString(glob)})`) as Promise<
          { k: string }[]
        >,
    );
    const held = new Set(processed.map((r) => r.k));
    expect(held.size, 'a key twice in the processed dataset').toBe(processed.length);
    return [...keys].filter((k) => !held.has(k));
  }
});
