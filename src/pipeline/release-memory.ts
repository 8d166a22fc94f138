/**
 * V8's garbage, given back before a load sizes its engine (load/memory-budget.ts). V8 collects its
 * old generation when allocation pressure says so, not when the process is about to hand memory
 * to DuckDB: after the extractions of the national day its heap held up to 150 MB, of which a full
 * collection kept 40–55 MB, and a load allocates so little JavaScript that the garbage would stay
 * resident through it, shrinking the engine's share of the budget to its floor.
 *
 * The collection goes through the inspector protocol's HeapProfiler.collectGarbage, a public API
 * that needs no flag: users run the CLI through npm's bin shim, where `--expose-gc` cannot be
 * relied on, and setting V8 flags after start-up is documented as unpredictable.
 *
 * Also measured and left out: stopping the idle Parquet encoder thread before each load (its
 * WebAssembly memory never shrinks). The first run of the benchmark project (8 days loaded from
 * nothing) then peaked at 529 MB instead of 607 MB, but the national day spent 0.6 s more CPU
 * restarting the thread and peaked no lower (430–463 MB against 410–434 MB).
 */
import { Session } from 'node:inspector/promises';
import type { LoadConfig } from '../config/load-schema.js';
import { budgetOf, engineMemory, parseSize, type EngineMemory } from '../load/memory-budget.js';

/**
 * A full collection of V8's heap when the budget binds: when the engine opened now would get less
 * than load.memory_limit. Then 40–75 ms; otherwise nothing. Resolves with the engine's memory as
 * sized afterwards (for the log). Never throws: a load sized over uncollected garbage gets a smaller
 * limit, not a wrong result.
 */
export async function releaseMemory(
  load: Pick<LoadConfig, 'memory_limit' | 'memory_budget'>,
): Promise<EngineMemory> {
  const memory = engineMemory(load.memory_limit, budgetOf(load));
  if (memory.bytes >= (parseSize(load.memory_limit) ?? 0)) return memory;
  // Nothing to gain when JavaScript has barely allocated since the last collection (a load right
  // after another: measured 0–2 MB back for 33–59 ms).
  const heap = process.memoryUsage().heapTotal;
  if (heap < collected + GROWTH) return memory;
  let session: Session | undefined;
  try {
    session = new Session();
    session.connect();
    await session.post('HeapProfiler.collectGarbage');
  } catch {
    // A Node built without the inspector, or a collection refused: the load goes on as it is.
  } finally {
    session?.disconnect();
    collected = process.memoryUsage().heapTotal;
  }
  return engineMemory(load.memory_limit, budgetOf(load));
}

/** V8's heap (committed) after the last collection, and the growth that makes another worth its time. */
let collected = 0;
const GROWTH = 32 * 2 ** 20;
