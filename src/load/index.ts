/**
 * The load step's public surface: a DatasetStore over the `load:` config section, its request and
 * result types, the read paths for DuckDB, and its errors.
 */
export { openDatasetStore, type DatasetStore, type DatasetStoreOptions } from './store.js';
export { datasetGlob, type DatasetReadPath } from './read-path.js';
export { DatasetBusy, DatasetCorrupt, LoadFailed, LoadRejected, SchemaChanged } from './errors.js';
export { expiredVersions, type RetentionPolicy, type VersionStamp } from './retention.js';
export type { Recovery } from './recover.js';
export {
  LOAD_STEPS,
  type LoadKind,
  type LoadRequest,
  type LoadResult,
  type LoadStep,
  type MarkValue,
  type StagedRun,
  type VersionInfo,
} from './types.js';
export { VERSION_FILE, type LoadCounts, type VersionFile, type VersionMeta } from './version.js';
