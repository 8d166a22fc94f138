/**
 * Fakes for the SQL Server dialect: result metadata exactly as tedious's metadata parser builds it
 * (token/colmetadata-token-parser.d.ts — the real DataType objects, looked up by TDS type id as the
 * parser does), and a knex whose pool hands out a fake tedious connection that answers requests.
 */
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import type { Knex } from 'knex';
import { TYPES } from 'tedious';
import type { DataType } from 'tedious/lib/data-type.js';
import type { ColumnMetadata } from 'tedious/lib/token/colmetadata-token-parser.js';
import type { SourceConnection } from '../../../src/db/connection.js';
import type { Dialect } from '../../../src/db/dialect.js';
import { mssqlDialect } from '../../../src/db/dialects/mssql/index.js';
import { dateRangeFilter } from '../../../src/extract/date-range.js';
import type { BatchQueryPlan } from '../../../src/extract/keyset.js';
import { bounded, type SourcePlan } from '../../../src/extract/plan.js';
import { t } from '../../../src/schema/column-types.js';

const { TYPE } = createRequire(import.meta.url)('tedious/lib/data-type.js') as {
  TYPE: Record<number, DataType>;
};

/** TDS type ids (MS-TDS 2.2.5.4) of the types a server sends in COLMETADATA. */
export const TDS = {
  GUIDN: 0x24,
  INTN: 0x26,
  DATEN: 0x28,
  TIMEN: 0x29,
  DATETIME2N: 0x2a,
  DATETIMEOFFSETN: 0x2b,
  INT4: 0x38,
  INT8: 0x7f,
  BITN: 0x68,
  DECIMALN: 0x6a,
  NUMERICN: 0x6c,
  FLTN: 0x6d,
  MONEYN: 0x6e,
  DATETIMN: 0x6f,
  BIGVARBIN: 0xa5,
  BIGVARCHR: 0xa7,
  NVARCHAR: 0xe7,
} as const;

const NULLABLE = 0x0001;
const UPDATEABLE = 0x0008;

/** One column's metadata; `nullable` sets fNullable in `flags`. */
export function column(
  colName: string,
  typeId: number,
  extra: Partial<Pick<ColumnMetadata, 'precision' | 'scale' | 'dataLength'>> = {},
  nullable = true,
): ColumnMetadata {
  const type = TYPE[typeId];
  if (!type) throw new Error(`no tedious type 0x${typeId.toString(16)}`);
  return {
    colName,
    userType: 0,
    flags: (nullable ? NULLABLE : 0) | UPDATEABLE,
    type,
    collation: undefined,
    precision: undefined,
    scale: undefined,
    dataLength: undefined,
    schema: undefined,
    udtInfo: undefined,
    ...extra,
  };
}

/** What a request sent: its SQL and parameters (type by tedious name). */
export class FakeRequest extends EventEmitter {
  readonly params: { name: string; type: string; value: unknown }[] = [];
  constructor(
    readonly sql: string,
    readonly callback: (err?: Error | null) => void,
  ) {
    super();
  }
  addParameter(name: string, type: DataType, value: unknown): void {
    this.params.push({ name, type: type.name, value });
  }
}

export interface FakeResponse {
  columns: ColumnMetadata[];
  rows: unknown[][];
}

/** A knex whose one connection answers each request with `respond(request)`, as tedious emits it. */
export function fakeKnex(respond: (request: FakeRequest) => FakeResponse | Error) {
  const sent: FakeRequest[] = [];
  const connection = {
    execSql(request: FakeRequest) {
      sent.push(request);
      const response = respond(request);
      setImmediate(() => {
        if (response instanceof Error) return request.callback(response);
        request.emit('columnMetadata', response.columns);
        for (const row of response.rows) {
          request.emit(
            'row',
            row.map((value, i) => ({ value, metadata: response.columns[i] })),
          );
        }
        request.callback(null);
      });
    },
  };
  const destroyed: unknown[] = [];
  const client = {
    driver: { Request: FakeRequest, TYPES },
    acquireConnection: () => Promise.resolve(connection),
    releaseConnection: () => Promise.resolve(),
    destroyRawConnection: (c: unknown) => Promise.resolve(destroyed.push(c)),
  };
  return { knex: { client } as unknown as Knex, sent, destroyed };
}

export const d = mssqlDialect as unknown as Dialect;

/** attendances as SQL Server describes them (TDS COLMETADATA). */
export const meta = [
  column('attendance_id', TDS.INT8, {}, false),
  column('updated_at', TDS.DATETIME2N, { scale: 7 }, false),
  column('visit_date', TDS.DATEN),
  column('amount', TDS.DECIMALN, { precision: 38, scale: 6, dataLength: 17 }),
  column('fee', TDS.MONEYN, { dataLength: 8 }),
  column('recorded_at', TDS.DATETIMEOFFSETN, { scale: 7 }),
  column('seen_at', TDS.DATETIME2N, { scale: 6 }),
  column('legacy_at', TDS.DATETIMN, { dataLength: 8 }),
  column('is_active', TDS.BITN, { dataLength: 1 }),
  column('patient_name', TDS.NVARCHAR, { dataLength: 200 }),
  column('visit_time', TDS.TIMEN, { scale: 7 }),
  column('weight', TDS.FLTN, { dataLength: 8 }),
];

/** A keyset plan on (updated_at, attendance_id) with a date range and a high-water bound. */
export function plan(): BatchQueryPlan {
  const template = {
    sql: 'SELECT a.* FROM dbo.attendances a WHERE a.region = ?',
    bindings: ['North'],
  };
  const range = dateRangeFilter(d, 'visit_date', t.date(), { start: '2025-01-01', end: '2025-01-31' }, 'UTC');
  const base = { template, filters: [range], orderColumns: ['updated_at', 'attendance_id'], batchSize: 500 };
  const conn = { dialect: d } as unknown as SourceConnection;
  const cursor = { name: 'updated_at', type: t.timestamp(7) };
  return bounded(conn, { ...base, cursor } as unknown as SourcePlan, '2025-02-01T00:00:00.000000');
}

/** A later batch's position, as keyBinding shapes it. */
export const later = [
  d.keyBinding('2025-01-15T08:30:00.1234567', t.timestamp(7)),
  d.keyBinding('42', t.int64()),
];
