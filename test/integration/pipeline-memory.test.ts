/**
 * The pipeline within its memory budget (docs/ARCHITECTURE.md, "Memory of the national day"): loads
 * run alone — no extraction overlaps a load, while extractions still overlap each other where the
 * dialect allows two sources at once — and every load is correct when the budget leaves DuckDB only
 * its floor (load.memory_budget far below what the process holds).
 */
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { LoadedConfig } from '../../src/config/load.js';
import { openDatasetStore } from '../../src/load/index.js';
import type { PipelineEvent } from '../../src/observe/events.js';
import { silentLogger } from '../../src/observe/logger.js';
import { runPipeline } from '../../src/pipeline/run-pipeline.js';
import { describeEachDialect, tempDir, type TempDir } from '../helpers/databases.js';
import { loadDemo, projectFor } from '../helpers/demo-source.js';
import { openClient } from '../helpers/sql.js';

const SOURCES = ['polyclinics', 'conditions', 'patients', 'attendances'];

describeEachDialect('the pipeline within its memory budget', (target, connection) => {
  let dir: TempDir;
  let loaded: LoadedConfig;

  beforeAll(async () => {
    dir = await tempDir('moh-etl-memory-');
    await loadDemo(connection(), { seed: 11, scale: 0.002, days: 3, startDate: '2025-04-01' });
    loaded = projectFor(path.join(dir.path, 'p'), connection(), {
      extraction: { concurrency: 2, settle_lag: '0s' },
    });
    loaded.config.validation.sources = {};
    // Nothing left of the budget: every engine opens at the floor.
    loaded.config.load.memory_budget = '1MB';
  });
  afterAll(() => dir.remove());

  it('runs no extraction beside a load, and loads every row at the floor', async () => {
    const events: PipelineEvent[] = [];
    const record = await runPipeline(loaded, {
      sources: SOURCES,
      log: silentLogger(),
      onEvent: (e) => events.push(e),
    });
    expect(record.exit_code).toBe(0);

    const extracting = new Set<string>();
    let loading: string | undefined;
    let overlapped = false;
    for (const e of events) {
      if (e.type !== 'phase-started' && e.type !== 'phase-finished') continue;
      const starts = e.type === 'phase-started';
      if (e.phase === 'extract') {
        if (starts) {
          expect(loading, `${e.source} started extracting during the load of ${loading}`).toBeUndefined();
          extracting.add(e.source);
          overlapped ||= extracting.size > 1;
        } else extracting.delete(e.source);
      } else if (e.phase === 'load') {
        if (starts) {
          expect([...extracting], `the load of ${e.source} started during an extraction`).toEqual([]);
          expect(loading).toBeUndefined();
          loading = e.source;
        } else loading = undefined;
      }
    }
    // SQLite serialises statements: one source at a time (source-order.ts).
    expect(overlapped).toBe(target.name !== 'sqlite');

    const store = openDatasetStore(loaded.config.load, loaded.root);
    const db = await openClient(connection());
    try {
      for (const source of SOURCES) {
        const result = record.sources.find((r) => r.source === source)!;
        expect(result.phases?.load?.status, source).toBe('succeeded');
        const [row] = await db.rows(`SELECT COUNT(*) AS n FROM ${source}`);
        expect(store.current(source)?.rows, source).toBe(Number(Object.values(row!)[0]));
      }
    } finally {
      await db.close();
    }
  });
});
