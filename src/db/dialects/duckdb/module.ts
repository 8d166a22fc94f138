/**
 * @duckdb/node-api, loaded on first use. Importing it costs 0.25–0.45 s on the shared machine, more
 * than the rest of start-up; `extract`, `status` or a library `import` that never opens a dataset
 * should not pay it. Everything that needs the module's values (the instance class, the type ids)
 * goes through here: `duckdbModule()` before the first session, `loadedDuckdb()` after.
 */
import type * as Duckdb from '@duckdb/node-api';

let loaded: typeof Duckdb | undefined;

/** The module, imported once. */
export async function duckdbModule(): Promise<typeof Duckdb> {
  return (loaded ??= await import('@duckdb/node-api'));
}

/** The module, for code that only runs once a session exists (values read from a result). */
export function loadedDuckdb(): typeof Duckdb {
  if (!loaded) throw new Error('@duckdb/node-api used before a session loaded it');
  return loaded;
}
