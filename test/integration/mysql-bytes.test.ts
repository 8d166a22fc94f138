/**
 * MariaDB's packet path against mysql2's own parser, on a real server: a table with every column
 * type MariaDB has (integers of each width, signed, unsigned and ZEROFILL, TINYINT(1), BIT, DECIMAL,
 * FLOAT/DOUBLE, DATE, DATETIME(0/6), TIMESTAMP, TIME, YEAR, CHAR/VARCHAR/TEXT in utf8mb4 with
 * emoji and CJK, texts over 64 KiB, BLOB/VARBINARY, JSON, ENUM, SET), NULLs, empty strings, edge
 * whitespace, delimiters, quotes and newlines, zero dates, and a DOUBLE mysql2 itself parses off
 * by one unit.
 *
 * Three extractions write CSV: from the row bytes (CSV alone), from rows decoded off the packets
 * (CSV beside Excel, which needs values) and from mysql2's rows (the packet path turned off).
 * The files must be identical byte for byte, the manifests agree; statement by statement the
 * values and keyset positions of the packet path equal mysql2's. Parquet the same way: from the
 * row bytes (the builders' byte path), from decoded packets and from mysql2's rows.
 */
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { ConnectionSet } from '../../src/db/connection.js';
import { runBatchQuery } from '../../src/db/dialects/mysql/batch-query.js';
import type { QueryingConnection } from '../../src/db/dialects/mysql/row-packets.js';
import { setRowHook } from '../../src/db/dialects/mysql/row-packets.js';
import { knexClient } from '../../src/db/dialect.js';
import { silentLogger } from '../../src/observe/logger.js';
import { runExtract } from '../../src/pipeline/extract-step.js';
import { CsvBatchEncoder } from '../../src/write/csv-batch.js';
import { ParquetPartWriter } from '../../src/write/parquet-part.js';
import { describeEachDialect, dialects, tempDir, type TempDir } from '../helpers/databases.js';
import { execSql } from '../helpers/exec-sql.js';
import { runDirectories, writeTableProject } from '../helpers/project.js';

const ROWS = 3000;

const DDL = `CREATE TABLE every_type (
  id BIGINT PRIMARY KEY,
  t TINYINT, flag TINYINT(1), s SMALLINT, m MEDIUMINT UNSIGNED, n INT, u INT UNSIGNED, z INT(6) ZEROFILL,
  big BIGINT, ubig BIGINT UNSIGNED, amount DECIMAL(38,6), dz DECIMAL(8,2) ZEROFILL,
  f FLOAT, dbl DOUBLE, b1 BIT(1), b12 BIT(12),
  d DATE, dt0 DATETIME, dt6 DATETIME(6), ts TIMESTAMP(3) NULL, tm TIME(2), y YEAR,
  code CHAR(4), txt VARCHAR(200), body TEXT, long_text MEDIUMTEXT, bin BLOB, vb VARBINARY(16),
  doc JSON, color ENUM('red', 'green', 'blü'), tags SET('a', 'b', 'ç'),
  updated_at DATETIME(6) NOT NULL
) CHARACTER SET utf8mb4`;

/** Every 13th row NULL wherever NULL is allowed. */
const orNull = (expr: string): string => `CASE WHEN seq % 13 = 0 THEN NULL ELSE ${expr} END`;
const TEXTS = [
  'plain',
  'comma, here',
  'quote "q"',
  'new\\nline',
  ' lead',
  'trail ',
  '',
  'NULL',
  '陈美玲 · முருகன் 😀',
  'tab\\tin',
  'x|y;z',
  '\u3000全角空格',
  'crlf\\r\\n',
];
const textCase = `ELT(1 + seq % ${TEXTS.length}, ${TEXTS.map((t) => `'${t}'`).join(', ')})`;

const INSERT = `INSERT INTO every_type SELECT seq,
  ${orNull('seq % 256 - 128')}, ${orNull('seq % 3 - 1')}, ${orNull('seq % 65536 - 32768')}, ${orNull('seq * 5501 % 16777216')},
  ${orNull('seq * 715827 - 1073741824')}, ${orNull('seq * 1431655')}, ${orNull('seq % 1000000')},
  ${orNull('CAST(seq AS SIGNED) * 3074457345618258 - 4611686018427387904')}, ${orNull('CAST(seq AS UNSIGNED) * 6148914691236517')},
  ${orNull('seq * 12345678901.123457 - 1e15')}, ${orNull('seq * 1.01')},
  ${orNull('seq / 7')}, ${orNull('CASE seq % 5 WHEN 0 THEN 9.279693416550499 WHEN 1 THEN -5e-301 WHEN 2 THEN 1e308 ELSE 1 / seq END')},
  ${orNull('seq % 2')}, ${orNull('seq % 4096')},
  ${orNull("CASE WHEN seq % 97 = 0 THEN '0000-00-00' ELSE DATE '2025-01-01' + INTERVAL seq DAY END")},
  ${orNull("TIMESTAMP '2025-01-01 00:00:00' + INTERVAL seq * 61 SECOND")},
  ${orNull("CASE WHEN seq % 89 = 0 THEN '0000-00-00 00:00:00' ELSE TIMESTAMP '2025-01-01 00:00:00' + INTERVAL seq * 1001 MICROSECOND + INTERVAL seq MINUTE END")},
  ${orNull("TIMESTAMP '2025-03-09 06:00:00' + INTERVAL seq * 7 SECOND")},
  ${orNull('SEC_TO_TIME(seq * 997 - 1500000 + seq / 100)')}, ${orNull('1901 + seq % 254')},
  ${orNull("CONCAT('C', seq % 100)")}, ${orNull(textCase)}, ${orNull(`CONCAT(${textCase}, REPEAT('ab', seq % 50))`)},
  ${orNull("CASE WHEN seq % 500 = 1 THEN REPEAT('陈', 30000) ELSE REPEAT('x', seq % 300) END")},
  ${orNull('UNHEX(LPAD(HEX(seq * 2654435761), 8, 0))')}, ${orNull("CASE WHEN seq % 7 = 0 THEN '' ELSE UNHEX('00FF10') END")},
  ${orNull(`JSON_OBJECT('i', seq, 'big', 12345678901234567890, 's', 'a,"b"')`)},
  ${orNull("ELT(1 + seq % 3, 'red', 'green', 'blü')")}, ${orNull("ELT(1 + seq % 4, '', 'a', 'a,b', 'b,ç')")},
  TIMESTAMP '2025-01-01 00:00:00' + INTERVAL seq MINUTE
  FROM (SELECT CAST(seq AS SIGNED) AS seq FROM seq_1_to_${ROWS}) AS numbers`;

describeEachDialect(
  'MariaDB: CSV and values from row packets equal those from mysql2',
  (_target, connection) => {
    let dir: TempDir;

    beforeAll(async () => {
      dir = await tempDir();
      await execSql(connection(), [DDL, INSERT]);
    });
    afterAll(async () => {
      setRowHook(true);
      await dir.remove();
    });

    it('writes the same CSV files from bytes, from decoded packets and from mysql2 rows', async () => {
      const loaded = writeTableProject(dir.path, connection(), {
        sources: {
          every_type: {
            sql: 'SELECT * FROM every_type',
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
            { sources: ['every_type'], mode: 'full', formats },
            silentLogger(),
          );
          const result = summary.sources[0]!;
          expect(result.error).toBeUndefined();
          expect(result.rows).toBe(ROWS);
          const [run] = runDirectories(output, 'every_type');
          const manifest = run!.manifest!;
          const csv = manifest.parts
            .filter((p) => p.file.endsWith('.csv'))
            .map((p) => readFileSync(path.join(run!.dir, p.file)));
          rmSync(output, { recursive: true, force: true });
          const fromBytes = spy.mock.calls.reduce((n, [encoded]) => n + encoded.count, 0);
          return { csv, manifest, fromBytes };
        } finally {
          spy.mockRestore();
        }
      };
      const bytes = await run(['csv']);
      const decoded = await run(['csv', 'xlsx']);
      setRowHook(false);
      const stock = await run(['csv']);
      setRowHook(true);

      expect(bytes.fromBytes).toBe(ROWS);
      expect(decoded.fromBytes).toBe(0);
      expect(stock.fromBytes).toBe(0);
      expect(bytes.csv).toHaveLength(3);
      const text = (r: typeof bytes) => r.csv.map((b) => b.toString('utf8'));
      expect(text(bytes)).toEqual(text(stock));
      expect(text(decoded)).toEqual(text(stock));
      expect(Buffer.concat(bytes.csv).equals(Buffer.concat(stock.csv))).toBe(true);
      const keys = (m: typeof bytes.manifest) =>
        m.parts.filter((p) => p.file.endsWith('.csv')).map((p) => [p.rows, p.min_key, p.max_key, p.sha256]);
      expect(keys(bytes.manifest)).toEqual(keys(stock.manifest));
      expect(keys(decoded.manifest)).toEqual(keys(stock.manifest));
      expect(bytes.manifest.columns).toEqual(stock.manifest.columns);
    });

    it('writes the same Parquet files from bytes, from decoded packets and from mysql2 rows', async () => {
      // Without the zero dates Parquet cannot store (a date column's value path refuses them).
      const columns =
        "id, t, flag, s, m, n, u, z, big, ubig, amount, dz, f, dbl, b1, b12, NULLIF(d, '0000-00-00') AS d, dt0, " +
        "NULLIF(dt6, '0000-00-00 00:00:00') AS dt6, ts, tm, y, code, txt, body, long_text, bin, vb, doc, color, tags, updated_at";
      const loaded = writeTableProject(dir.path, connection(), {
        sources: {
          storable: {
            sql: `SELECT ${columns} FROM every_type`,
            primary_key: ['id'],
            cursor_column: 'updated_at',
            mode: 'full',
          },
        },
        extraction: { batch_size: 250 },
        output: { part_rows: 1000 },
      });
      const output = path.join(dir.path, 'data/raw');
      const run = async (formats: ('parquet' | 'xlsx')[]) => {
        const spy = vi.spyOn(ParquetPartWriter.prototype, 'write');
        try {
          const summary = await runExtract(
            loaded,
            { sources: ['storable'], mode: 'full', formats },
            silentLogger(),
          );
          const result = summary.sources[0]!;
          expect(result.error).toBeUndefined();
          expect(result.rows).toBe(ROWS);
          const [run] = runDirectories(output, 'storable');
          const files = run!
            .manifest!.parts.filter((p) => p.file.endsWith('.parquet'))
            .map((p) => readFileSync(path.join(run!.dir, p.file)).toString('base64'));
          rmSync(output, { recursive: true, force: true });
          return { files, encoded: spy.mock.calls.filter(([b]) => b.encoded !== undefined).length };
        } finally {
          spy.mockRestore();
        }
      };
      const bytes = await run(['parquet']);
      const decoded = await run(['parquet', 'xlsx']);
      setRowHook(false);
      const stock = await run(['parquet']);
      setRowHook(true);
      expect(bytes.encoded).toBeGreaterThan(0);
      expect([decoded.encoded, stock.encoded]).toEqual([0, 0]);
      expect(bytes.files).toHaveLength(3);
      expect(bytes.files).toEqual(stock.files);
      expect(decoded.files).toEqual(stock.files);
    });

    it('gives the values and keyset positions mysql2 gives, statement by statement', async () => {
      const loaded = writeTableProject(dir.path, connection(), {
        sources: { every_type: { sql: 'SELECT * FROM every_type', primary_key: ['id'], mode: 'full' } },
      });
      const connections = new ConnectionSet(loaded.config.connections, loaded.root);
      const { knex } = connections.get('src');
      const client = knexClient(knex);
      const conn = (await client.acquireConnection()) as QueryingConnection;
      try {
        const names = ['id', 'ubig', 'z', 'dz', 'dbl', 'dt6', 'ts', 'txt', 'vb', 'b1', 'flag', 'y'];
        const statement = async (sql: string, encoded: boolean) =>
          runBatchQuery(conn, sql, [], { encoded, keyColumns: names, describeNullability: true });
        for (const where of ['id <= 1500', 'id > 1500', 'id = 13', 'id = 501']) {
          const sql = `SELECT * FROM every_type WHERE ${where} ORDER BY id`;
          const values = await statement(sql, false);
          const bytes = await statement(sql, true);
          setRowHook(false);
          const stock = await statement(sql, false);
          setRowHook(true);
          expect([values.packets, bytes.packets, stock.packets]).toEqual([true, true, false]);
          expect(values.columns).toEqual(stock.columns);
          expect(values.rows).toEqual(stock.rows);
          expect(bytes.encoded!.rows()).toEqual(stock.rows);
          expect(values.lastKey).toEqual(stock.lastKey);
          expect(bytes.lastKey).toEqual(stock.lastKey);
        }
        // A type the packet path does not read (GEOMETRY): the whole result is mysql2's.
        const geometry = await runBatchQuery(
          conn,
          'SELECT id, POINT(id, 1) AS p FROM every_type WHERE id < 3',
          [],
          {
            encoded: true,
            describeNullability: false,
          },
        );
        expect(geometry.packets).toBe(false);
        expect(geometry.rows.map((r) => r[0])).toEqual(['1', '2']);
      } finally {
        await client.releaseConnection(conn);
        await connections.closeAll();
      }
    });
  },
  dialects.filter((d) => d.name === 'mariadb'),
);
