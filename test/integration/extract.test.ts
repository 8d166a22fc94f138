/**
 * The extract step end to end on every dialect available here: synthetic data loaded by the real
 * loaders, extracted by the real pipeline in small batches, the CSV re-read by an independent
 * parser and compared value by value with what the generator produced.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { expect, it, beforeAll, afterAll } from 'vitest';
import type { LoadedConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/observe/logger.js';
import { runExtract } from '../../src/pipeline/extract-step.js';
import { generate, TABLES, SOURCE_TABLES, type SourceTable } from '../../src/synth/index.js';
import { describeEachDialect, tempDir, type TempDir } from '../helpers/databases.js';
import { advance, loadDemo, projectFor } from '../helpers/demo-source.js';

const SYNTH = { seed: 7, scale: 0.004, days: 12, startDate: '2025-01-01' };

/** Generator output per table as CSV text, keyed by primary key. */
function expectedRows(dialect: string): Map<SourceTable, Map<string, string[]>> {
  const out = new Map<SourceTable, Map<string, string[]>>(SOURCE_TABLES.map((t) => [t, new Map()]));
  for (const chunk of generate(SYNTH)) {
    const spec = TABLES[chunk.table];
    const pk = spec.columns.findIndex((c) => c.name === spec.primaryKey[0]);
    for (const row of chunk.rows) {
      const text = row.map((v, i) => {
        if (v === null) return '';
        const type = spec.columns[i]!.type;
        // MySQL DATETIME holds no zone: UTC instants come back as wall-clock text (see the guide).
        if (dialect === 'mysql' && type.kind === 'timestamp' && type.tz === 'utc')
          return String(v).replace(/Z$/, '');
        return String(v);
      });
      out.get(chunk.table)!.set(String(row[pk]), text);
    }
  }
  return out;
}

function readCsv(file: string): string[][] {
  const rows: string[][] = parse(readFileSync(file), { from_line: 2 });
  return rows;
}

describeEachDialect('extract step', (target, connection) => {
  let dir: TempDir;
  let loaded: LoadedConfig;

  beforeAll(async () => {
    dir = await tempDir();
    await loadDemo(connection(), SYNTH);
    loaded = projectFor(dir.path, connection(), { extraction: { batch_size: 97 } });
  });
  afterAll(() => dir.remove());

  it('extracts all eight sources exactly: every row once, every value as generated', async () => {
    const summary = await runExtract(loaded, { sources: [...SOURCE_TABLES], mode: 'full' }, silentLogger());
    expect(summary.sources.map((s) => [s.source, s.status, s.error])).toEqual(
      SOURCE_TABLES.map((s) => [s, 'succeeded', undefined]),
    );
    const expected = expectedRows(target.dialect);
    for (const result of summary.sources) {
      const table = result.source as SourceTable;
      const want = expected.get(table)!;
      const rows = result.files.flatMap(readCsv);
      expect(rows.length, table).toBe(want.size);
      const pkIndex = TABLES[table].columns.findIndex((c) => c.name === TABLES[table].primaryKey[0]);
      const seen = new Set<string>();
      for (const row of rows) {
        const key = row[pkIndex]!;
        expect(seen.has(key), `${table} ${key} twice`).toBe(false);
        seen.add(key);
        expect(row, `${table} ${key}`).toEqual(want.get(key));
      }
      const manifest = JSON.parse(readFileSync(result.manifest!, 'utf8')) as {
        rows: number;
        parts: { rows: number }[];
      };
      expect(manifest.rows).toBe(want.size);
    }
  });

  it('incremental runs pick up exactly the new and updated rows', async () => {
    const first = await runExtract(
      loaded,
      { sources: ['attendances', 'lab_results'], mode: 'incremental' },
      silentLogger(),
    );
    expect(first.status).toBe('succeeded');
    const empty = await runExtract(loaded, { sources: ['attendances'], mode: 'incremental' }, silentLogger());
    expect(empty.sources[0]).toMatchObject({ status: 'succeeded', rows: 0, files: [] });

    const added = await advance(connection(), 2);
    const second = await runExtract(
      loaded,
      { sources: ['attendances', 'lab_results'], mode: 'incremental' },
      silentLogger(),
    );
    for (const table of ['attendances', 'lab_results'] as const) {
      const r = second.sources.find((s) => s.source === table)!;
      const rows = r.files.flatMap(readCsv);
      const ids = new Set(rows.map((row) => row[0]));
      expect(ids.size).toBe(rows.length);
      // Every new row that was not deleted again, some updated rows, and late rows: those stamped
      // behind the first run's watermark only within the lookback window (the rest are reported).
      const { counts, updated, deleted, late } = added;
      expect(rows.length).toBeGreaterThanOrEqual(counts[table] - deleted[table]);
      expect(rows.length).toBeLessThanOrEqual(counts[table] + updated[table] + late[table]);
      expect(rows.length).toBeGreaterThan(counts[table] - deleted[table]);
    }
  });

  it('a date range selects exactly the days asked for, in Singapore time', async () => {
    const summary = await runExtract(
      loaded,
      { sources: ['attendances'], range: { start: '2025-01-06', end: '2025-01-07' } },
      silentLogger(),
    );
    const rows = summary.sources[0]!.files.flatMap(readCsv);
    const visitDate = TABLES.attendances.columns.findIndex((c) => c.name === 'visit_date');
    const days = new Set(rows.map((r) => r[visitDate]));
    expect([...days].sort()).toEqual(['2025-01-06', '2025-01-07']);
    const want = [...expectedRows(target.dialect).get('attendances')!.values()].filter(
      (r) => r[visitDate] === '2025-01-06' || r[visitDate] === '2025-01-07',
    );
    expect(rows.length).toBe(want.length);
  });
});
