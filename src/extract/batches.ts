/**
 * The batch source: an async generator of RowBatches in keyset order. Each batch is one short
 * statement (no long-lived transaction, no server cursor held between batches), so memory is
 * bounded by about two batches and the source holds no locks while we write. The next batch is
 * fetched while the caller writes the current one.
 */
import type { SourceConnection } from '../db/connection.js';
import type { QueryResult } from '../db/dialect.js';
import { withEncodedRows, type EncodedRows, type RowBatch } from '../schema/column-types.js';
import { batchQuery } from './keyset.js';
import type { SourcePlan } from './plan.js';
import type { Watermark } from './state.js';

/**
 * Batches kept as the server's bytes (CSV from PostgreSQL) are not JavaScript objects: they cost the
 * garbage collector nothing, so the per-statement overhead is what counts, and they grow to this many
 * times `batch_size` rows, within ENCODED_BATCH_BYTES. Measured on the whole process, 828k
 * attendances to CSV on the shared 2-core machine (medians of 3): 3.23 s at 5,000 rows a statement,
 * 2.51 s at 10,000, 2.29 s at 20,000, 2.37 s at 40,000, peak RSS 177–198 MB throughout. Decoded
 * batches stay at `batch_size` (Parquet at 20,000: +13 % CPU, 366 MB RSS; see ARCHITECTURE.md).
 */
const ENCODED_BATCH_FACTOR = 4;
const ENCODED_BATCH_BYTES = 16 * 1024 * 1024;

/** Longest wait for a prefetch to be sent by a dialect that does not say when it is. */
const SEND_WAIT_MS = 5;

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());
const noop = () => undefined;

export interface PositionedBatch extends RowBatch {
  /** Driver values of the keyset columns in this batch's last row: where the next batch starts. */
  position: unknown[];
  /** The batch completes a part of `partRows` rows (counted as read since the last cut). */
  endsPart?: boolean;
}

/**
 * Parts of exactly `partRows` rows: no batch is fetched across a part boundary (its LIMIT is cut to
 * what the part lacks), so a part is never bigger than part_rows. `sinceCut` counts the rows read
 * into the current part; a caller that closes a part early (part_bytes) sets it back to 0.
 */
export interface PartCut {
  partRows: number;
  sinceCut: number;
}

export async function* readBatches(
  conn: SourceConnection,
  plan: SourcePlan,
  start: Watermark | undefined,
  options: { encoded?: boolean; cut?: PartCut } = {},
): AsyncGenerator<PositionedBatch> {
  const cut = options.cut;
  // Rows per statement: batch_size, or for byte batches as many as fit the byte budget (learnt
  // from the last batch's width), up to ENCODED_BATCH_FACTOR × batch_size.
  let rows = plan.batchSize;
  const limit = () => (cut ? Math.max(1, Math.min(rows, cut.partRows - cut.sinceCut)) : rows);
  let requested = 0;
  const fetch = (
    position: readonly unknown[] | undefined,
    columns: readonly string[],
  ): Promise<QueryResult> => {
    const types = plan.orderTypes;
    const bound = position?.map((v, i) => conn.dialect.keyBinding(v, types[i]!));
    requested = limit();
    const q = batchQuery(conn.dialect, { ...plan, batchSize: requested }, bound, columns);
    let markSent: () => void = () => undefined;
    sent = new Promise<void>((resolve) => (markSent = resolve));
    const result = conn.dialect.query(conn.knex, q.sql, q.bindings, {
      keyColumns: plan.orderColumns,
      encoded: options.encoded,
      onSent: () => markSent(),
    });
    // The prefetch may fail while the caller is still writing the previous batch, before anyone
    // awaits it; a handler now keeps that from being an unhandled rejection (it is rethrown when
    // the batch is awaited).
    result.catch(() => undefined);
    return result;
  };
  let sent: Promise<void> = Promise.resolve();
  let held: EncodedRows | undefined;
  let pending: Promise<QueryResult> | undefined = fetch(start?.values, start?.columns ?? plan.orderColumns);
  try {
    while (pending) {
      const result = await pending;
      pending = undefined;
      const count = result.encoded?.count ?? result.rows.length;
      if (count === 0 || !result.lastKey) return;
      if (result.encoded) {
        // Where the last row starts, over the rows before it: the width of a row in bytes.
        const { starts } = result.encoded;
        const perRow = count > 1 ? Math.max(1, starts[count - 1]! / (count - 1)) : ENCODED_BATCH_BYTES;
        rows = Math.max(
          plan.batchSize,
          Math.min(plan.batchSize * ENCODED_BATCH_FACTOR, Math.floor(ENCODED_BATCH_BYTES / perRow)),
        );
      }
      let endsPart = false;
      if (cut) {
        cut.sinceCut += count;
        endsPart = cut.sinceCut >= cut.partRows;
        if (endsPart) cut.sinceCut = 0;
      }
      // A full batch (as many rows as asked for) means there may be more.
      if (count === requested) {
        pending = fetch(result.lastKey, plan.orderColumns);
        // Let the prefetch reach the server before the caller's synchronous work (CSV encoding)
        // starts: taking a pooled connection, BEGIN READ ONLY and sending are several promise hops
        // and a round trip, which would otherwise wait behind the caller and the server would idle
        // while we encode (measured: no overlap at all, ~35% longer CSV runs). Dialects that do
        // not report the send (or answer at once, like SQLite) are not waited for beyond a moment.
        await Promise.race([sent, pending.then(noop, noop), pause(SEND_WAIT_MS)]);
      }
      // An encoded batch keeps `rows` a getter: a consumer of the bytes (CSV) never decodes them.
      held = result.encoded;
      yield held
        ? withEncodedRows({ columns: plan.columns, position: result.lastKey, endsPart }, held)
        : { columns: plan.columns, rows: result.rows, position: result.lastKey, endsPart };
      // The caller asked for the next batch, so it is done with this one's bytes: their buffer can
      // take a later batch (a fresh one each time made V8 collect fully every few batches).
      held?.release?.();
      held = undefined;
    }
  } finally {
    held?.release?.();
    // An abandoned prefetch (the caller stopped early) is simply dropped.
    pending = undefined;
  }
}
