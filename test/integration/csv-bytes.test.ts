/**
 * CSV straight from PostgreSQL's wire bytes (a CSV-only run) against CSV from decoded rows (the same
 * run with Excel beside it, which needs values) on a real server: every type the dialect maps,
 * awkward text, NULLs, several batches and parts, a cursor column (the settled count of a full run
 * is taken from the bytes too). The files must be identical byte for byte, and the manifests agree.
 */
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { silentLogger } from '../../src/observe/logger.js';
import { runExtract } from '../../src/pipeline/extract-step.js';
import { CsvBatchEncoder } from '../../src/write/csv-batch.js';
import { describeEachDialect, dialects, tempDir, type TempDir } from '../helpers/databases.js';
import { execSql } from '../helpers/exec-sql.js';
import { runDirectories, writeTableProject } from '../helpers/project.js';

const ROWS = 3000;

describeEachDialect(
  'CSV from wire bytes equals CSV from rows',
  (_target, connection) => {
    let dir: TempDir;

    beforeAll(async () => {
      dir = await tempDir();
      await execSql(connection(), [
        `CREATE TABLE wide (
           id BIGINT PRIMARY KEY, small SMALLINT, n INTEGER, amount NUMERIC(14,2), loose NUMERIC, fee MONEY,
           ratio DOUBLE PRECISION, r4 REAL, ok BOOLEAN, d DATE, ts TIMESTAMP(3), tstz TIMESTAMPTZ,
           txt TEXT, code VARCHAR(10), blob BYTEA, doc JSONB, uid UUID, updated_at TIMESTAMPTZ NOT NULL)`,
        // Every 13th row all NULL where allowed; text with delimiters, quotes, newlines, edge spaces,
        // non-ASCII, the null texts; timestamps in and out of the usual shape.
        `INSERT INTO wide
         SELECT i,
                CASE WHEN i % 13 = 0 THEN NULL ELSE (i % 32767)::smallint END,
                CASE WHEN i % 13 = 0 THEN NULL ELSE i * 7919 - 2000000 END,
                CASE WHEN i % 13 = 0 THEN NULL ELSE (i * 12.34)::numeric(14,2) END,
                CASE WHEN i % 13 = 0 THEN NULL WHEN i % 5 = 0 THEN 'NaN'::numeric ELSE i / 7.0 END,
                CASE WHEN i % 13 = 0 THEN NULL ELSE (i * 1.01)::numeric::money END,
                CASE WHEN i % 13 = 0 THEN NULL WHEN i % 11 = 0 THEN '-0'::float8 WHEN i % 17 = 0 THEN 'Infinity'::float8 ELSE 1.0 / i END,
                CASE WHEN i % 13 = 0 THEN NULL ELSE (i / 3.0)::real END,
                CASE WHEN i % 13 = 0 THEN NULL ELSE i % 2 = 0 END,
                CASE WHEN i % 13 = 0 THEN NULL WHEN i % 97 = 0 THEN 'infinity'::date ELSE date '2025-01-01' + i END,
                CASE WHEN i % 13 = 0 THEN NULL WHEN i % 89 = 0 THEN '-infinity'::timestamp
                     ELSE timestamp '2025-01-01 00:00:00' + i * interval '1.001 second' END,
                CASE WHEN i % 13 = 0 THEN NULL ELSE timestamptz '2025-03-09 06:00:00+00' + i * interval '1 second' END,
                CASE WHEN i % 13 = 0 THEN NULL
                     ELSE (ARRAY['plain', 'comma, here', 'quote "q"', E'new\\nline', ' lead', 'trail ', '', 'NULL',
                                 '陈美玲 · முருகன்', E'tab\\tin', 'x|y;z', E'\\u00a0nbsp'])[1 + i % 12] END,
                CASE WHEN i % 13 = 0 THEN NULL ELSE 'C' || (i % 1000)::text END,
                CASE WHEN i % 13 = 0 THEN NULL ELSE decode(lpad(to_hex(i), 8, '0'), 'hex') END,
                CASE WHEN i % 13 = 0 THEN NULL ELSE jsonb_build_object('i', i, 's', 'a,"b"') END,
                CASE WHEN i % 13 = 0 THEN NULL ELSE md5(i::text)::uuid END,
                timestamptz '2025-01-01 00:00:00+00' + i * interval '1 minute'
           FROM generate_series(1, ${ROWS}) AS i`,
      ]);
    });
    afterAll(() => dir.remove());

    it('writes the same files from bytes as from rows', async () => {
      const loaded = writeTableProject(dir.path, connection(), {
        sources: {
          wide: {
            sql: 'SELECT * FROM wide',
            primary_key: ['id'],
            cursor_column: 'updated_at',
            mode: 'full',
          },
        },
        extraction: { batch_size: 250 },
        output: { part_rows: 1000 },
      });
      const output = path.join(dir.path, 'data/raw');
      const run = async (formats: ('csv' | 'xlsx')[]) => {
        const spy = vi.spyOn(CsvBatchEncoder.prototype, 'encodeEncoded');
        try {
          const summary = await runExtract(
            loaded,
            { sources: ['wide'], mode: 'full', formats },
            silentLogger(),
          );
          const result = summary.sources[0]!;
          expect(result.error).toBeUndefined();
          expect(result.rows).toBe(ROWS);
          const [dirEntry] = runDirectories(output, 'wide');
          const manifest = dirEntry!.manifest!;
          const csv = manifest.parts
            .filter((p) => p.file.endsWith('.csv'))
            .map((p) => readFileSync(path.join(dirEntry!.dir, p.file)));
          rmSync(output, { recursive: true, force: true });
          const fromBytes = spy.mock.calls.reduce((n, [encoded]) => n + encoded.count, 0);
          return { csv, manifest, fromBytes, calls: spy.mock.calls.length };
        } finally {
          spy.mockRestore();
        }
      };
      const bytes = await run(['csv']);
      const rows = await run(['csv', 'xlsx']);
      // The first run took the bytes path for every row, the second never did; byte batches grow
      // past batch_size (up to four times) once their width is known.
      expect(bytes.fromBytes).toBe(ROWS);
      expect(bytes.calls).toBeLessThan(ROWS / 250);
      expect(rows.fromBytes).toBe(0);
      expect(bytes.csv).toHaveLength(3);
      expect(bytes.csv.map((b) => b.toString('utf8'))).toEqual(rows.csv.map((b) => b.toString('utf8')));
      const keys = (m: typeof bytes.manifest) =>
        m.parts.filter((p) => p.file.endsWith('.csv')).map((p) => [p.rows, p.min_key, p.max_key]);
      expect(keys(bytes.manifest)).toEqual(keys(rows.manifest));
      expect(bytes.manifest.columns).toEqual(rows.manifest.columns);
    });
  },
  dialects.filter((d) => d.name === 'postgres'),
);
