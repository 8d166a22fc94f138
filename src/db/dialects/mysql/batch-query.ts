/**
 * One MySQL/MariaDB statement whose rows are read from their packets (row-packets.ts): kept as
 * bytes for a consumer that works from bytes (the CSV writer: QueryOptions.encoded), otherwise
 * decoded into canonical rows as they arrive, while each packet is young (text-row.ts). A result
 * the packet path cannot read exactly (an unknown column type, or the hook unusable with this
 * mysql2) is parsed by mysql2 and converted with `mysqlConverter`, as before; the values are the same.
 */
import type { ColumnSpec, Row } from '../../../schema/column-types.js';
import { lastKeyOf } from '../../dialect.js';
import { Key, planColumn, type ColumnPlan } from './column-plan.js';
import { MysqlEncodedRows } from './encoded-rows.js';
import { notNullFlags } from './not-null.js';
import { queryRowPackets, type QueryingConnection, type RowPacketSink } from './row-packets.js';
import { decodeRow, locate, RowPlan } from './text-row.js';
import { floatsAsText, mysqlColumnType, mysqlConverter, type MysqlField } from './types.js';

export interface BatchOptions {
  /** Keep the rows as bytes ('pg-text' EncodedRows) instead of decoding them. */
  encoded: boolean;
  keyColumns?: readonly string[];
  describeNullability: boolean;
}

export interface BatchResult {
  columns: ColumnSpec[];
  rows: Row[];
  encoded?: MysqlEncodedRows;
  lastKey?: unknown[];
  /** Whether the rows came through the packet path (false: mysql2's parser). */
  packets: boolean;
}

/** Run `sql` with `values` on a borrowed mysql2 connection; `onSent` once the statement is on its way. */
export function runBatchQuery(
  connection: QueryingConnection,
  sql: string,
  values: unknown[],
  options: BatchOptions,
  onSent?: () => void,
): Promise<BatchResult> {
  return new Promise((resolve, reject) => {
    const rows = new PacketRows(sql, options);
    queryRowPackets(
      connection,
      { sql, rowsAsArray: true, typeCast: floatsAsText },
      values,
      rows,
      (e, raw, fields) => {
        if (e) return reject(e);
        if (rows.failure) return reject(rows.failure);
        try {
          resolve(rows.result(raw, fields as MysqlField[] | undefined));
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      },
    );
    onSent?.();
  });
}

/** The sink of one statement's row packets, and its result. */
class PacketRows implements RowPacketSink {
  failure: Error | undefined;
  #columns: ColumnSpec[] = [];
  #plans: ColumnPlan[] = [];
  #plan: RowPlan | undefined;
  #encoded: MysqlEncodedRows | undefined;
  #rows: Row[] = [];
  /**
   * The latest row packet's payload, `#lastBytes[#lastStart, #lastEnd)`. A socket read is a fresh
   * buffer that neither Node nor mysql2 reuses (mysql2 hands out BLOB values as views of it), so it
   * stays intact until the keyset position is decoded from it.
   */
  #lastBytes: Buffer | undefined;
  #lastStart = 0;
  #lastEnd = 0;

  constructor(
    private readonly sql: string,
    private readonly options: BatchOptions,
  ) {}

  fields(fields: unknown[]): boolean {
    try {
      this.#columns = describe(this.sql, fields as MysqlField[], this.options.describeNullability);
      const plans = this.#columns.map((c, i) => planColumn((fields as MysqlField[])[i]!, c.type));
      if (plans.some((p) => p === undefined)) return false;
      this.#plans = plans as ColumnPlan[];
      this.#plan = new RowPlan(this.#plans);
      if (this.options.encoded)
        this.#encoded = new MysqlEncodedRows(
          this.#plan,
          this.#plans.map((p) => p.convert),
        );
      return true;
    } catch (e) {
      this.failure = e instanceof Error ? e : new Error(String(e));
      return false;
    }
  }

  row(bytes: Buffer, start: number, end: number): void {
    // A failure is reported when the statement completes, as mysql2 does with its parser's errors.
    if (this.failure) return;
    try {
      if (this.#encoded) this.#encoded.add(bytes, start, end);
      else this.#rows.push(decodeRow(bytes, start, end, this.#plan!));
      this.#lastBytes = bytes;
      this.#lastStart = start;
      this.#lastEnd = end;
    } catch (e) {
      this.failure = e instanceof Error ? e : new Error(String(e));
    }
  }

  result(raw: unknown[][] | undefined, fields: MysqlField[] | undefined): BatchResult {
    const { keyColumns } = this.options;
    if (this.#plan) {
      this.#encoded?.finish();
      const lastKey = this.#lastBytes && keyColumns ? this.#lastKey(keyColumns) : undefined;
      const columns = this.#columns;
      return this.#encoded
        ? { columns, rows: [], encoded: this.#encoded, lastKey, packets: true }
        : { columns, rows: this.#rows, lastKey, packets: true };
    }
    // mysql2 parsed the rows (or the statement returned no result set).
    if (!fields || !Array.isArray(raw)) return { columns: [], rows: [], packets: false };
    const columns = describe(this.sql, fields, this.options.describeNullability);
    const convert = columns.map((c, i) => mysqlConverter(c.type, fields[i]));
    const rows: Row[] = raw.map((r) => r.map((v, i) => (v === null ? null : convert[i]!(v))));
    const lastKey = lastKeyOf(
      fields.map((f) => f.name),
      raw,
      keyColumns,
    );
    return { columns, rows, lastKey, packets: false };
  }

  /** The keyset values of the last row, as mysql2 would have given them (see column-plan.ts Key). */
  #lastKey(keyColumns: readonly string[]): unknown[] {
    const bytes = this.#lastBytes!;
    const plan = this.#plan!;
    locate(bytes, this.#lastStart, this.#lastEnd, plan);
    const names = this.#columns.map((c) => c.name);
    return keyColumns.map((k) => {
      const i = names.indexOf(k);
      if (i < 0)
        throw new Error(`key column ${k} is not in the query's result (columns: ${names.join(', ')})`);
      const len = plan.lengths[i]!;
      if (len < 0) return null;
      const s = plan.starts[i]!;
      const key = this.#plans[i]!.key;
      if (key === Key.bytes) return Buffer.from(bytes.subarray(s, s + len));
      const text = bytes.toString('utf8', s, s + len);
      return key === Key.number ? Number(text) : text;
    });
  }
}

/** Canonical column specs of a result (nullability from the server's flags when asked). */
function describe(sql: string, fields: MysqlField[], nullability: boolean): ColumnSpec[] {
  const notNull = nullability ? notNullFlags(sql, fields) : [];
  return fields.map((f, i) => ({ name: f.name, type: mysqlColumnType(f), nullable: notNull[i] !== true }));
}
