/**
 * Fakes for the Oracle dialect: result metadata exactly as node-oracledb thin mode builds it
 * (thin/protocol/messages/withData.js processColumnInfo, plus the dbTypeName and fetchType the
 * result-set setup adds), with the driver's real DbType objects, and a knex whose pool hands out a
 * fake connection that describes and executes.
 */
import { createRequire } from 'node:module';
import type { Knex } from 'knex';
import type { SourceConnection } from '../../../src/db/connection.js';
import type { Dialect } from '../../../src/db/dialect.js';
import { oracleDialect, type OracleExecuteOptions } from '../../../src/db/dialects/oracle/index.js';
import { dateRangeFilter } from '../../../src/extract/date-range.js';
import type { BatchQueryPlan } from '../../../src/extract/keyset.js';
import { bounded, type SourcePlan } from '../../../src/extract/plan.js';
import { t } from '../../../src/schema/column-types.js';
import type { OracleMetadata } from '../../../src/db/dialects/oracle/types.js';

interface DbType {
  name: string;
  columnTypeName: string;
}

const oracledb = createRequire(import.meta.url)('oracledb') as Record<string, unknown> & {
  STRING: DbType;
  BUFFER: DbType;
  OUT_FORMAT_ARRAY: number;
};

/** A DbType by its constant name, e.g. "DB_TYPE_NUMBER". */
export function dbType(name: string): DbType {
  const type = oracledb[name] as DbType | undefined;
  if (!type) throw new Error(`oracledb has no ${name}`);
  return type;
}

export interface FakeMetadata extends OracleMetadata {
  dbColumnName: string;
  dbType: DbType;
  fetchType: DbType;
  isJson: boolean;
  isOson: boolean;
}

/** One column's metadata: NUMBER carries precision and scale, TIMESTAMP types their fraction digits as `precision`, strings `byteSize`. */
export function column(
  name: string,
  type: string,
  extra: { precision?: number; scale?: number; byteSize?: number } = {},
  nullable = true,
): FakeMetadata {
  const db = dbType(type);
  return {
    name,
    dbColumnName: name,
    dbType: db,
    dbTypeName: db.columnTypeName,
    fetchType: db,
    nullable,
    isJson: false,
    isOson: false,
    ...extra,
  };
}

export interface Sent {
  sql: string;
  binds?: unknown[];
  options?: OracleExecuteOptions;
  /** What the fetchTypeHandler asked for, per column of the executed statement (by DbType name). */
  fetchTypes?: (string | undefined)[];
}

/**
 * A knex whose one connection describes every statement as `meta` and executes it returning `rows`.
 * The executed statement's columns are VARCHAR2 where our SQL TO_CHARed them.
 */
export function fakeKnex(meta: FakeMetadata[], rows: unknown[][] | Error) {
  const sent: Sent[] = [];
  const connection = {
    callTimeout: 0,
    getStatementInfo(sql: string) {
      sent.push({ sql });
      return Promise.resolve({ metaData: meta, bindNames: [], statementType: 1 });
    },
    execute(sql: string, binds?: unknown[], options?: OracleExecuteOptions) {
      if (rows instanceof Error) return Promise.reject(rows);
      const executed = meta.map((m) =>
        sql.includes(`TO_CHAR(m."${m.name}"`) || sql.includes(`TO_CHAR(SYS_EXTRACT_UTC(m."${m.name}")`)
          ? column(m.name, 'DB_TYPE_VARCHAR')
          : m,
      );
      const fetchTypes = executed.map(
        (m) => (options?.fetchTypeHandler(m)?.type as DbType | undefined)?.name,
      );
      sent.push({ sql, binds, options, fetchTypes });
      return Promise.resolve({ rows, metaData: executed });
    },
  };
  const destroyed: unknown[] = [];
  const client = {
    driver: oracledb,
    acquireConnection: () => Promise.resolve(connection),
    releaseConnection: () => Promise.resolve(),
    destroyRawConnection: (c: unknown) => Promise.resolve(destroyed.push(c)),
  };
  return {
    knex: { client } as unknown as Knex,
    sent,
    destroyed,
    OUT_FORMAT_ARRAY: oracledb.OUT_FORMAT_ARRAY,
  };
}

export const d = oracleDialect as unknown as Dialect;

/** ATTENDANCES as thin mode describes it (unquoted Oracle names are upper case). */
export const meta = [
  column('ATTENDANCE_ID', 'DB_TYPE_NUMBER', { precision: 18, scale: 0 }, false),
  column('UPDATED_AT', 'DB_TYPE_TIMESTAMP', { precision: 6 }, false),
  column('VISIT_DATE', 'DB_TYPE_DATE'),
  column('AMOUNT', 'DB_TYPE_NUMBER', { precision: 38, scale: 6 }),
  column('FEE', 'DB_TYPE_NUMBER', { precision: 10, scale: 2 }),
  column('RECORDED_AT', 'DB_TYPE_TIMESTAMP_TZ', { precision: 6 }),
  column('LOCAL_AT', 'DB_TYPE_TIMESTAMP_LTZ', { precision: 9 }),
  column('SCORE', 'DB_TYPE_NUMBER', { precision: 0, scale: -127 }),
  column('VISITS', 'DB_TYPE_NUMBER', { precision: 9, scale: 0 }),
  column('WEIGHT', 'DB_TYPE_BINARY_DOUBLE'),
  column('PATIENT_NAME', 'DB_TYPE_VARCHAR', { byteSize: 200 }),
  column('NOTES', 'DB_TYPE_CLOB'),
  column('PHOTO', 'DB_TYPE_BLOB'),
  column('STAY', 'DB_TYPE_INTERVAL_DS'),
];

/** A keyset plan on (UPDATED_AT, ATTENDANCE_ID) with a date range and a high-water bound. */
export function plan(): BatchQueryPlan {
  const template = { sql: 'SELECT a.* FROM attendances a WHERE a.region = ?', bindings: ['North'] };
  const range = dateRangeFilter(
    d,
    'VISIT_DATE',
    t.timestamp(0),
    { start: '2025-01-01', end: '2025-01-31' },
    'UTC',
  );
  const base = { template, filters: [range], orderColumns: ['UPDATED_AT', 'ATTENDANCE_ID'], batchSize: 500 };
  const conn = { dialect: d } as unknown as SourceConnection;
  const cursor = { name: 'UPDATED_AT', type: t.timestamp(6) };
  return bounded(conn, { ...base, cursor } as unknown as SourcePlan, '2025-02-01T00:00:00.000000');
}

/** A later batch's position, as keyBinding shapes it. */
export const later = [
  d.keyBinding('2025-01-15T08:30:00.123456', t.timestamp(6)),
  d.keyBinding('42', t.int64()),
];
