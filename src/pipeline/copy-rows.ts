/**
 * The copy loop of one source's run: batches from the checkpoint's position to the end, into part
 * files; a part is committed (every format, plus its staged companion when the pipeline stages
 * transformed rows) and then checkpointed, every part_rows rows. Stopping early (a signal) commits
 * the part in progress first, so nothing read is thrown away.
 */
import type { LoadedConfig } from '../config/load.js';
import type { SourceConnection } from '../db/connection.js';
import { RunInterrupted } from '../errors.js';
import { readBatches, type PartCut } from '../extract/batches.js';
import { LookbackFilter } from '../extract/lookback.js';
import type { SourcePlan } from '../extract/plan.js';
import { settledCounter, type SnapshotCursor } from '../extract/snapshot.js';
import { toStoredValues, type PendingRun, type StateStore, type StagedFile } from '../extract/state.js';
import { rowCount, type RowBatch } from '../schema/column-types.js';
import { PartSet } from '../write/part-set.js';
import type { WriterSpec } from '../write/writer.js';

/** A file written beside each part and committed with it (the staged, transformed rows). */
export interface PartCompanion {
  write(batch: RowBatch): Promise<void>;
  commit(): Promise<StagedFile>;
  abort(): Promise<void>;
}

export interface CopyHooks {
  /** Each batch as written (after the lookback filter), in keyset order. */
  onBatch?: (batch: RowBatch) => void | Promise<void>;
  /** Opens the companion of part `index`. */
  companion?: (index: number) => Promise<PartCompanion>;
  /** Checked after every batch: when aborted, the part in progress is committed and the run stops. */
  signal?: AbortSignal;
  /** Rows written so far by this run (committed parts included), after every batch. */
  onProgress?: (rows: number) => void;
}

export async function copyRows(
  loaded: LoadedConfig,
  conn: SourceConnection,
  store: StateStore,
  plan: SourcePlan,
  pending: PendingRun,
  specs: WriterSpec[],
  snapshot: SnapshotCursor | undefined,
  lookbackMs: number,
  hooks: CopyHooks = {},
): Promise<void> {
  const { output } = loaded.config;
  // A part closes at part_rows, at the smallest format limit (an Excel sheet), or at part_bytes.
  const maxRows = Math.min(output.part_rows, ...specs.map((s) => s.capabilities.maxRowsPerPart));
  const maxBytes = output.part_bytes ?? Number.POSITIVE_INFINITY;
  const keyIndexes = plan.orderColumns.map((c) => plan.columns.findIndex((col) => col.name === c));
  pending.attempts += 1;
  let part: PartSet | undefined;
  let companion: PartCompanion | undefined;
  let last: unknown[] | undefined;
  const lookback = pending.recent
    ? new LookbackFilter(pending.previous, pending.recent, keyIndexes, plan.orderTypes, lookbackMs)
    : undefined;
  const counted = { skipped: 0, caught: 0 };
  const settled =
    snapshot && pending.snapshot_mark !== undefined && pending.settled_rows !== undefined
      ? settledCounter(snapshot, pending.snapshot_mark)
      : undefined;
  let settledInPart = 0;

  /** The position after the rows read so far, and the lookback counters and window with it. */
  const advance = () => {
    pending.position = { columns: [...plan.orderColumns], values: toStoredValues(last!) };
    if (!lookback) return;
    pending.skipped = (pending.skipped ?? 0) + lookback.skipped - counted.skipped;
    pending.caught = (pending.caught ?? 0) + lookback.caught - counted.caught;
    counted.skipped = lookback.skipped;
    counted.caught = lookback.caught;
    pending.recent = lookback.window(pending.position.values[0]);
  };
  const commit = async () => {
    const p = part!;
    const c = companion;
    part = undefined;
    companion = undefined;
    let staged: StagedFile | undefined;
    let record: Awaited<ReturnType<PartSet['commit']>>;
    try {
      staged = c ? await c.commit() : undefined;
      record = await p.commit();
    } catch (e) {
      // Nothing of a part that failed to commit may stay behind (a full disk stays full otherwise).
      await p.abort();
      await c?.abort();
      throw e;
    }
    advance();
    pending.parts.push({
      ...record,
      end_position: pending.position!.values,
      ...(settled ? { settled: settledInPart } : {}),
      ...(staged ? { staged } : {}),
    });
    pending.rows += record.rows;
    if (settled) pending.settled_rows = (pending.settled_rows ?? 0) + settledInPart;
    settledInPart = 0;
    await store.update(plan.name, (s) => ({ ...s, pending }));
  };

  try {
    // Bytes are enough when every consumer of the batches can use them (CSV alone, nothing filtered,
    // observed or staged); anything else gets rows converted as they arrive.
    const encoded =
      specs.every((s) => s.capabilities.encodedRows) && !lookback && !hooks.onBatch && !hooks.companion;
    const cut: PartCut = { partRows: maxRows, sinceCut: 0 };
    for await (const batch of readBatches(conn, plan, pending.position, { encoded, cut })) {
      last = batch.position;
      // A filtered batch is a new one without the server's bytes (they describe every row).
      const written: RowBatch = lookback
        ? { columns: batch.columns, rows: batch.rows.filter((r) => lookback.keep(r)) }
        : batch;
      if (rowCount(written) > 0) {
        part ??= (
          await PartSet.open(pending.directory, pending.parts.length, specs, plan.columns, output)
        ).trackKeys(keyIndexes);
        if (hooks.companion) companion ??= await hooks.companion(pending.parts.length);
        await part.write(written);
        await hooks.onBatch?.(written);
        await companion?.write(written);
        if (settled) settledInPart += settled(written);
        hooks.onProgress?.(pending.rows + part.rows);
        if (batch.endsPart || part.rows >= maxRows) await commit();
        else if (part.bytes >= maxBytes) {
          cut.sinceCut = 0;
          await commit();
        }
      } else if (batch.endsPart && part) await commit();
      if (hooks.signal?.aborted) break;
    }
    if (part) await commit();
    // Rows skipped after the last part (already delivered) still move the position forward.
    if (last && lookback) advance();
    if (hooks.signal?.aborted) {
      await store.update(plan.name, (s) => ({ ...s, pending }));
      throw new RunInterrupted(
        `source "${plan.name}" stopped after ${pending.rows} rows (${pending.parts.length} parts committed)`,
        signalName(hooks.signal),
      );
    }
  } finally {
    await part?.abort();
    await companion?.abort();
  }
}

/** The signal's name when the abort reason carries one (the CLI aborts with 'SIGINT' or 'SIGTERM'). */
function signalName(signal: AbortSignal): string | undefined {
  return typeof signal.reason === 'string' ? signal.reason : undefined;
}
