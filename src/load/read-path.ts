/**
 * How to read a dataset with DuckDB. Analysts use the stable path (`<directory>/<source>/**\/*.parquet`),
 * which follows the switch; code that runs several queries over one version (validation at dataset
 * scope) should read the pinned path of the version it was given, which a concurrent load cannot
 * change under it (only retention, several loads later, removes it).
 */
import path from 'node:path';
import { literal } from './sql.js';
import type { DatasetStore } from './store.js';

export interface DatasetReadPath {
  source: string;
  version: string;
  /** `<directory>/<source>/**\/*.parquet`: whatever version is current when a query starts. */
  glob: string;
  /** `<archive>/<source>/<version>/**\/*.parquet`: exactly this version. */
  pinnedGlob: string;
  /** Whether the files sit in Hive directories (read with `hive_partitioning = true`). */
  hivePartitioning: boolean;
  /** The Hive key, read back as VARCHAR (the files keep the source column with its own type). */
  partitionKey?: string;
  /** A DuckDB table expression over the pinned version: `read_parquet('…', hive_partitioning = …)`. */
  sql: string;
}

/** The current version's read paths, or undefined before the first load. */
export function datasetGlob(store: DatasetStore, source: string): DatasetReadPath | undefined {
  const meta = store.current(source);
  if (!meta) return undefined;
  const pattern = (dir: string) => path.join(dir, '**', '*.parquet');
  const pinnedGlob = pattern(store.versionDirectory(source, meta.version));
  const hive = meta.partition !== null;
  return {
    source,
    version: meta.version,
    glob: pattern(store.datasetDirectory(source)),
    pinnedGlob,
    hivePartitioning: hive,
    ...(meta.partition ? { partitionKey: meta.partition.name } : {}),
    sql: `read_parquet(${literal(pinnedGlob)}, hive_partitioning = ${hive}${hive ? ', hive_types_autocast = false' : ''})`,
  };
}
