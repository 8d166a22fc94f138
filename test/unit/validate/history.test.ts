import { describe, expect, it } from 'vitest';
import {
  median,
  metricsEntry,
  rowCountAnomaly,
  MetricsStore,
  type MetricsEntry,
} from '../../../src/validate/history.js';
import { tempDir } from '../../helpers/databases.js';

const entry = (rows: number, scope = 'incremental'): MetricsEntry => ({
  run_id: `r${rows}`,
  at: '2025-01-01T00:00:00Z',
  source: 'attendances',
  scope,
  rows,
  null_percent: {},
});
const settings = { window: 5, min_history: 3, warn: 0.5, fail: 0.9 };

describe('row_count anomaly', () => {
  it('is skipped until enough comparable runs exist', () => {
    const a = rowCountAnomaly([entry(100), entry(100), entry(5, 'full')], 'incremental', 10, settings);
    expect(a.status).toBe('skipped');
    expect(a.message).toContain('2 of 3');
  });

  it('compares with the trailing median of the last N runs of the same scope', () => {
    const history = [entry(10), entry(1000), entry(1000), entry(1000), entry(100), entry(100), entry(100)];
    expect(median([1000, 100, 100, 100, 1000])).toBe(100);
    expect(rowCountAnomaly(history, 'incremental', 120, settings).status).toBe('pass');
    expect(rowCountAnomaly(history, 'incremental', 40, settings).status).toBe('warn');
    expect(rowCountAnomaly(history, 'incremental', 5, settings).status).toBe('fail');
    expect(rowCountAnomaly(history, 'incremental', 5, settings).median).toBe(100);
  });

  it('stores one JSON line per run and survives a torn last line', async () => {
    const dir = await tempDir();
    const store = new MetricsStore(dir.path);
    store.append(entry(1));
    store.append(entry(2));
    const { appendFileSync } = await import('node:fs');
    appendFileSync(`${dir.path}/attendances.jsonl`, '{"run_id": "torn');
    expect(store.read('attendances').map((e) => e.rows)).toEqual([1, 2]);
  });

  it('never compares with an empty increment, flagged or from before the flag', () => {
    const quiet = { ...entry(0), empty: true };
    const history = [entry(100), entry(110), entry(90), quiet, quiet, quiet, entry(0), quiet];
    // Counted, the five quiet nights would make the median 0 and a normal day infinitely anomalous.
    const a = rowCountAnomaly(history, 'incremental', 105, settings);
    expect([a.status, a.median, a.history]).toEqual(['pass', 100, 3]);
    expect(rowCountAnomaly([entry(100), quiet, quiet], 'incremental', 100, settings).status).toBe('skipped');
    // An empty dataset or full extraction is a data point: only increments are quiet.
    const full = [entry(10, 'full'), entry(10, 'full'), entry(0, 'full')];
    expect(rowCountAnomaly(full, 'full', 10, settings).median).toBe(10);
    expect(rowCountAnomaly([...full, entry(0, 'full')], 'full', 10, settings).median).toBe(5);
    // An empty date range (a day before its first visit) is not a data point either.
    const ranges = [0, 24_000, 0, 25_000, 26_000].map((n) => entry(n, 'range'));
    const r = rowCountAnomaly(ranges, 'range', 24_316, settings);
    expect([r.status, r.median, r.history]).toEqual(['pass', 25_000, 3]);
  });

  it('records an empty increment as such, with its run and NULL shares', () => {
    const run = { runId: 'r1', now: new Date('2025-01-02T00:00:00Z'), name: 'attendances' };
    const nulls = new Map([['visit_date', 5]]);
    expect(metricsEntry(run, 'incremental', { rows: 0, nulls: new Map() }, true)).toEqual({
      run_id: 'r1',
      at: '2025-01-02T00:00:00.000Z',
      source: 'attendances',
      scope: 'incremental',
      rows: 0,
      null_percent: {},
      empty: true,
    });
    expect(metricsEntry(run, 'dataset', { rows: 8, nulls }, false)).toMatchObject({
      scope: 'dataset',
      null_percent: { visit_date: 62.5 },
    });
    expect(metricsEntry(run, 'dataset', { rows: 8, nulls }, false)).not.toHaveProperty('empty');
  });
});
