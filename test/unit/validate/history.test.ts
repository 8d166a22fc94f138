import { describe, expect, it } from 'vitest';
import { median, rowCountAnomaly, MetricsStore, type MetricsEntry } from '../../../src/validate/history.js';
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
});
