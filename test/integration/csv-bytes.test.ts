/**
 * CSV and Parquet straight from PostgreSQL's wire bytes (a CSV/Parquet run) against the same files
 * from decoded rows (the same run with Excel beside it, which needs values) on a real server: every
 * type the dialect maps, awkward text, NULLs, several batches and parts, a cursor column (the
 * settled count of a full run is taken from the bytes too). The files must be identical byte for
 * byte, and the manifests agree. Parquet reads a view without the values it cannot store exactly
 * (infinities, NaN), with values that take its slow paths instead (wide integers and decimals,
 * dates centuries away).
 */
import { createHash } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { silentLogger } from '../../src/observe/logger.js';
import { runExtract } from '../../src/pipeline/extract-step.js';
import { CsvBatchEncoder } from '../../src/write/csv-batch.js';
import { ParquetPartWriter } from '../../src/write/parquet-part.js';
import { describeEachDialect, dialects, tempDir, type TempDir } from '../helpers/databases.js';
import { execSql } from '../helpers/exec-sql.js';
import { runDirectories, writeTableProject } from '../helpers/project.js';

const ROWS = 3000;
const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

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
        `CREATE VIEW storable AS
         SELECT id, small, n, amount, fee, ok, txt, code, blob, doc, uid, updated_at,
                round(CASE WHEN loose = 'NaN' THEN NULL WHEN id % 7 = 0 THEN loose * 1e12 ELSE loose END, 8)::numeric(30,8) AS loose,
                CASE WHEN ratio IN ('Infinity', '-Infinity') THEN NULL ELSE ratio END AS ratio,
                CASE WHEN d = 'infinity' THEN NULL WHEN id % 23 = 0 THEN d - 700000 ELSE d END AS d,
                CASE WHEN ts = '-infinity' THEN NULL WHEN id % 19 = 0 THEN ts + interval '7000 years'
                     WHEN id % 29 = 0 THEN ts - interval '1900 years' ELSE ts END AS ts,
                CASE WHEN id % 31 = 0 THEN tstz + interval '7900 years' ELSE tstz END AS tstz,
                CASE WHEN id % 3 = 0 THEN id * 9007199254740 + 1 ELSE -id END AS big
           FROM wide`,
        // Rows of 30,000 characters: a Parquet chunk is handed over after the batch crossing 16 MiB,
        // so the file follows batch boundaries, which must not depend on the path.
        `CREATE TABLE long_text AS
         SELECT i AS id, repeat(md5(i::text), 937 + i % 3) AS t, timestamptz '2025-01-01 00:00:00+00' AS updated_at
           FROM generate_series(1, 1500) AS i`,
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
          storable: {
            sql: 'SELECT * FROM storable',
            primary_key: ['id'],
            cursor_column: 'updated_at',
            mode: 'full',
          },
          long_text: { sql: 'SELECT * FROM long_text', primary_key: ['id'], mode: 'full' },
        },
        extraction: { batch_size: 250 },
        output: { part_rows: 1000 },
      });
      const output = path.join(dir.path, 'data/raw');
      const run = async (formats: ('csv' | 'parquet' | 'xlsx')[], source = 'wide', rows = ROWS) => {
        const spy = vi.spyOn(CsvBatchEncoder.prototype, 'encodeEncoded');
        try {
          const summary = await runExtract(
            loaded,
            { sources: [source], mode: 'full', formats },
            silentLogger(),
          );
          const result = summary.sources[0]!;
          expect(result.error).toBeUndefined();
          expect(result.rows).toBe(rows);
          const [dirEntry] = runDirectories(output, source);
          const manifest = dirEntry!.manifest!;
          const read = (ext: string) =>
            manifest.parts
              .filter((p) => p.file.endsWith(ext))
              .map((p) => readFileSync(path.join(dirEntry!.dir, p.file)));
          const csv = read('.csv');
          const parquet = read('.parquet');
          rmSync(output, { recursive: true, force: true });
          const fromBytes = spy.mock.calls.reduce((n, [encoded]) => n + encoded.count, 0);
          return { csv, parquet, manifest, fromBytes, calls: spy.mock.calls.length };
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

      // Parquet: the builders read the same bytes (parquet-bytes.ts) or, for what they cannot, the
      // converted values; the files are identical to those built from the rows.
      const spyParquet = vi.spyOn(ParquetPartWriter.prototype, 'write');
      const pqBytes = await run(['csv', 'parquet'], 'storable');
      const encodedBatches = spyParquet.mock.calls.filter(([b]) => b.encoded !== undefined).length;
      spyParquet.mockRestore();
      const pqRows = await run(['csv', 'parquet', 'xlsx'], 'storable');
      expect(encodedBatches).toBeGreaterThan(0);
      expect(pqBytes.fromBytes).toBe(ROWS);
      expect(pqRows.fromBytes).toBe(0);
      expect(pqBytes.parquet).toHaveLength(3);
      expect(pqBytes.parquet.map(sha256)).toEqual(pqRows.parquet.map(sha256));
      expect(pqBytes.csv.map(sha256)).toEqual(pqRows.csv.map(sha256));

      const longBytes = await run(['csv', 'parquet'], 'long_text', 1500);
      const longRows = await run(['csv', 'parquet', 'xlsx'], 'long_text', 1500);
      expect(longBytes.fromBytes).toBe(1500);
      expect(longBytes.parquet.map(sha256)).toEqual(longRows.parquet.map(sha256));
    });
  },
  dialects.filter((d) => d.name === 'postgres'),
);
