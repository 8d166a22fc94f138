/**
 * DuckDB's memory limit, sized when an engine opens from what the process has left of its budget.
 * `load.memory_limit` bounds only DuckDB's buffer manager: measured, an instance is resident at
 * about 1.6 × its limit + 50 MB at its peak (a sort and GROUP BY over 3M text rows took the process
 * to 396–465 MB at 256MB and 292–352 MB at 128MB over a 50 MB baseline). The rest of the process —
 * Node itself, V8's heap with its uncollected garbage, the Parquet encoder thread — is whatever it
 * is when the load starts, and depends on the data the run has read so far. So instead of a fixed
 * limit, the limit is what keeps the whole process within `load.memory_budget`:
 *
 *   limit = min(load.memory_limit, max(MIN_LIMIT, (budget − RSS now − ENGINE_BASE) / ENGINE_FACTOR))
 *
 * The floor is a limit at which the heaviest merges measured still pass (rewriting 1.3M lab_results
 * rows in one thread passed at 96MB). It is not a guarantee: the first load of 252k patients ran out
 * of memory at 96MB. A failed load is worse than a process over its budget, so work that runs out
 * of memory under a lowered limit runs again at load.memory_limit (`withinBudget`), and the run
 * says so in a warning: the budget is a target, a correct load the requirement.
 */

/** DuckDB's size syntax (load-schema.ts): decimal KB/MB/GB/TB, binary KiB/MiB/GiB/TiB. */
const UNITS: Record<string, number> = {
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
};

/** Bytes of a size such as "256MB" or "1.5GiB" (as DuckDB reads it); undefined if it is not one. */
export function parseSize(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]+)$/i.exec(text.trim());
  const unit = m && UNITS[m[2]!.toLowerCase()];
  return unit ? Math.round(Number(m[1]) * unit) : undefined;
}

const MiB = 2 ** 20;
/** Resident memory of an engine at its peak, per byte of its limit (measured 1.4–1.6). */
export const ENGINE_FACTOR = 1.6;
/** Resident memory of an engine beyond its limit: its threads, catalogue and Parquet reader. */
export const ENGINE_BASE = 50 * MiB;
/** The smallest derived limit: the heaviest merge measured passed at 96MB. */
export const MIN_LIMIT = 96 * MiB;

export interface EngineMemory {
  /** The `memory_limit` to open DuckDB with, e.g. "131072KiB". */
  limit: string;
  bytes: number;
  /** Set when even the floor leaves the process over its budget: what to tell the user. */
  over?: string;
}

/**
 * The memory limit of an engine opened now. `maxLimit` is load.memory_limit, `budget`
 * load.memory_budget (undefined: no budget, the limit is `maxLimit`), `rss` the process's resident
 * bytes at this moment (default: measured).
 */
export function engineMemory(
  maxLimit: string,
  budget: string | undefined,
  rss: number = process.memoryUsage.rss(),
): EngineMemory {
  const max = parseSize(maxLimit);
  if (max === undefined) throw new TypeError(`not a size: ${maxLimit}`);
  const total = budget === undefined ? undefined : parseSize(budget);
  if (total === undefined) return { limit: maxLimit, bytes: max };
  const fits = Math.floor((total - rss - ENGINE_BASE) / ENGINE_FACTOR);
  const floor = Math.min(MIN_LIMIT, max);
  const bytes = Math.min(max, Math.max(floor, fits));
  const limit = bytes === max ? maxLimit : `${Math.floor(bytes / 1024)}KiB`;
  if (fits >= floor) return { limit, bytes };
  const mb = (b: number) => `${Math.round(b / MiB)} MB`;
  return {
    limit,
    bytes,
    over:
      `the process holds ${mb(rss)} when a load starts: with DuckDB at its floor of ${mb(bytes)} it may ` +
      `exceed load.memory_budget (${budget})`,
  };
}

/** load.memory_budget as engineMemory takes it ("none": no budget). */
export function budgetOf(load: { memory_budget?: string }): string | undefined {
  // A config that never went through the schema (library callers, tests) may lack the key.
  return load.memory_budget === undefined || load.memory_budget === 'none' ? undefined : load.memory_budget;
}

/**
 * Runs `work` with the engine limit the budget allows now; if that limit is below `maxLimit` and
 * `work` runs out of memory (`outOfMemory(e)`), runs it again at `maxLimit` and tells `onRetry`.
 * `work` must start from scratch each time (a load's output directory, a report's metrics).
 */
export async function withinBudget<T>(
  maxLimit: string,
  budget: string | undefined,
  outOfMemory: (e: unknown) => boolean,
  work: (limit: string) => Promise<T>,
  onRetry: (message: string) => void,
): Promise<T> {
  const memory = engineMemory(maxLimit, budget);
  const lowered = memory.limit !== maxLimit;
  try {
    return await work(memory.limit);
  } catch (e) {
    if (!lowered || !outOfMemory(e)) throw e;
    onRetry(
      `DuckDB ran out of memory at ${Math.round(memory.bytes / MiB)} MB, the share of load.memory_budget ` +
        `(${budget}) left to it; ran again at load.memory_limit (${maxLimit})`,
    );
    return work(maxLimit);
  }
}
