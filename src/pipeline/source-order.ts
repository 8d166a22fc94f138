/**
 * The order sources go through the pipeline: up to `extraction.concurrency` at once, in the order
 * they were asked for, except that a source whose dataset-scope `references` checks name another
 * source of the run starts after that source has finished — its checks read the other's processed
 * dataset, and a parent loaded after its child would report the child's new rows as orphans. Only
 * sources earlier in the order count, so there is never a cycle; a source listed before the one it
 * references is checked against that one's previous version, as when run alone.
 */
import pLimit from 'p-limit';
import type { DatabaseConfig } from '../config/schema.js';
import { checksAt } from '../validate/compile.js';

/** For each source, the earlier sources of the run it waits for. */
export function sourceDependencies(
  config: Pick<DatabaseConfig, 'validation'>,
  sources: readonly string[],
): Map<string, string[]> {
  return new Map(
    sources.map((name, i) => {
      const earlier = new Set(sources.slice(0, i));
      const referenced = checksAt(config.validation, name, 'dataset')
        .flatMap((c) => (c.check === 'references' ? [c.source] : []))
        .filter((s) => s !== name && earlier.has(s));
      return [name, [...new Set(referenced)]];
    }),
  );
}

/**
 * Run `work` for every source, at most `limit` at once, each after the sources it depends on (their
 * failure does not hold it back: its checks then see the dataset as it is). Results in `sources`
 * order; a source not started because `stopped()` turned true is left out.
 */
export async function runInOrder<T>(
  sources: readonly string[],
  dependencies: Map<string, string[]>,
  limit: number,
  stopped: () => boolean,
  work: (source: string) => Promise<T>,
): Promise<T[]> {
  const slots = pLimit(limit);
  const done = new Map<string, Promise<T | undefined>>();
  for (const name of sources) {
    const after = (dependencies.get(name) ?? []).map((d) => done.get(d)!.catch(() => undefined));
    done.set(
      name,
      Promise.all(after).then(() => slots(() => (stopped() ? undefined : work(name)))),
    );
  }
  const results = await Promise.all(sources.map((s) => done.get(s)!));
  return results.filter((r): r is Awaited<T> => r !== undefined);
}

/**
 * Sources at once: extraction.concurrency, within every connection's pool (a source holds one
 * connection while it reads, a second for its prefetch or checks); SQLite serialises statements
 * anyway, so one.
 */
export function concurrencyFor(
  config: Pick<DatabaseConfig, 'connections' | 'sources' | 'extraction'>,
  sources: readonly string[],
): number {
  const capacity = sources.map((s) => {
    const connection = config.connections[config.sources[s]!.connection];
    return !connection || connection.client === 'sqlite'
      ? 1
      : Math.max(1, Math.floor(connection.pool.max / 2));
  });
  return Math.max(1, Math.min(config.extraction.concurrency, ...capacity));
}
