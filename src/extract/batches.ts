/**
 * The batch source: an async generator of RowBatches in keyset order. Each batch is one short
 * statement (no long-lived transaction, no server cursor held between batches), so memory is
 * bounded by the batch size and the source holds no locks while we write.
 */
import type { SourceConnection } from '../db/connection.js';
import type { RowBatch } from '../schema/column-types.js';
import { batchQuery } from './keyset.js';
import type { SourcePlan } from './plan.js';

export interface PositionedBatch extends RowBatch {
  /** Driver values of the keyset columns in this batch's last row: where the next batch starts. */
  position: unknown[];
}

export async function* readBatches(
  conn: SourceConnection,
  plan: SourcePlan,
): AsyncGenerator<PositionedBatch> {
  let position: readonly unknown[] | undefined = plan.startAfter;
  for (;;) {
    const q = batchQuery(conn.dialect, plan, position);
    const result = await conn.dialect.query(conn.knex, q.sql, q.bindings, { keyColumns: plan.orderColumns });
    if (result.rows.length === 0 || !result.lastKey) return;
    yield { columns: plan.columns, rows: result.rows, position: result.lastKey };
    if (result.rows.length < plan.batchSize) return;
    position = result.lastKey;
  }
}
