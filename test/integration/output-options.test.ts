/**
 * Output settings that shape the parts of a run, on the embedded SQLite source: parts roll over at
 * `output.part_bytes`, Excel caps a part at one sheet and warns past `output.xlsx.warn_rows`, and a
 * source locked by a live process is refused without touching its state.
 */
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/observe/logger.js';
import { runExtract } from '../../src/pipeline/extract-step.js';
import { csvRows } from '../helpers/csv.js';
import { tempDir, type DbConnection } from '../helpers/databases.js';
import { execSql } from '../helpers/exec-sql.js';
import { writeProject } from '../helpers/mini-project.js';
import { readState } from '../helpers/project.js';

const ROWS = 6000;
const MIB = 1024 * 1024;

describe('output settings', () => {
  let conn: DbConnection;
  let root: string;
  beforeAll(async () => {
    const dir = await tempDir('moh-etl-output-');
    root = dir.path;
    conn = { dialect: 'sqlite', filename: path.join(root, 'src.sqlite') };
    const inserts = Array.from({ length: ROWS / 500 }, (_, c) => ({
      sql: `INSERT INTO notes (id, body) VALUES ${Array.from({ length: 500 }, () => '(?, ?)').join(', ')}`,
      values: Array.from({ length: 500 }, (_, i) => {
        const id = c * 500 + i + 1;
        return [id, `note ${id} `.padEnd(400, 'x')];
      }).flat(),
    }));
    await execSql(conn, ['CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)', ...inserts]);
  });

  const project = (name: string, output: Record<string, unknown>) =>
    writeProject(path.join(root, name), conn, {
      sources: { notes: { primary_key: ['id'], mode: 'full' } },
      queries: { notes: 'SELECT id, body FROM notes' },
      extraction: { batch_size: 250 },
      output,
    });

  it('cuts parts at exactly part_rows, whatever the batch size (700 rows, batches of 250)', async () => {
    const loaded = project('rows', { formats: ['csv', 'parquet'], part_rows: 700 });
    const s = await runExtract(loaded, { sources: ['notes'] }, silentLogger());
    const r = s.sources[0]!;
    expect(r.error).toBeUndefined();
    const csv = r.files.filter((f) => f.endsWith('.csv'));
    const sizes = csv.map((f) => csvRows(f).length);
    expect(sizes).toEqual([...Array.from({ length: Math.floor(ROWS / 700) }, () => 700), ROWS % 700]);
    const manifest = JSON.parse(readFileSync(r.manifest!, 'utf8')) as { parts: { rows: number }[] };
    expect(Math.max(...manifest.parts.map((p) => p.rows))).toBe(700);
    const ids = csv.flatMap((f) => csvRows(f).map((row) => Number(row[0])));
    expect(ids).toEqual(Array.from({ length: ROWS }, (_, i) => i + 1));
  });

  it('rolls parts over at part_bytes, each part just past the limit, every row once', async () => {
    const loaded = project('bytes', { formats: ['csv'], part_bytes: MIB });
    const s = await runExtract(loaded, { sources: ['notes'] }, silentLogger());
    const r = s.sources[0]!;
    expect(r.error).toBeUndefined();
    // ~2.4 MB of CSV in 1 MiB parts: three parts; all but the last reached the limit within a batch.
    expect(r.files).toHaveLength(3);
    const batchBytes = 250 * 420;
    for (const f of r.files.slice(0, -1)) {
      expect(statSync(f).size).toBeGreaterThanOrEqual(MIB);
      expect(statSync(f).size).toBeLessThan(MIB + batchBytes);
    }
    const ids = r.files.flatMap((f) => csvRows(f).map((row) => Number(row[0])));
    expect(ids).toEqual(Array.from({ length: ROWS }, (_, i) => i + 1));
  });

  it('warns when an extraction is too big for Excel, with parts aligned across formats', async () => {
    const loaded = project('xlsx', { formats: ['csv', 'xlsx'], part_rows: 4000, xlsx: { warn_rows: 5000 } });
    const s = await runExtract(loaded, { sources: ['notes'] }, silentLogger());
    const r = s.sources[0]!;
    expect(r.error).toBeUndefined();
    expect(r.warnings?.join('\n')).toMatch(/6000 rows is too many for Excel to be useful/);
    expect(r.files.map((f) => path.basename(f)).sort()).toEqual([
      'part-00000.csv',
      'part-00000.xlsx',
      'part-00001.csv',
      'part-00001.xlsx',
    ]);
    const small = await runExtract(
      project('xlsx-small', { formats: ['xlsx'] }),
      { sources: ['notes'] },
      silentLogger(),
    );
    expect(small.sources[0]!.warnings ?? []).toEqual([]);
  });

  it('refuses a source another live process is extracting, and leaves its state alone', async () => {
    const loaded = project('locked', { formats: ['csv'] });
    const stateDir = path.join(loaded.root, 'data/state');
    const lock = path.join(stateDir, 'notes.lock');
    mkdirSync(stateDir, { recursive: true });
    const holder = {
      pid: process.ppid,
      host: hostname(),
      run_id: 'nightly-run',
      since: '2026-01-01T02:00:00Z',
    };
    writeFileSync(lock, JSON.stringify(holder));
    const s = await runExtract(loaded, { sources: ['notes'] }, silentLogger());
    expect(s.status).toBe('failed');
    expect(s.sources[0]!.error).toMatch(
      new RegExp(`source notes is being extracted by run nightly-run \\(pid ${process.ppid} on `),
    );
    expect(readState(loaded, 'notes')).toEqual({ source: 'notes' });
    expect(JSON.parse(readFileSync(lock, 'utf8'))).toEqual(holder);
  });
});
