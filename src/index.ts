/**
 * The moh-etl library API. Everything exported here is supported; anything else is internal.
 *
 * @example
 * import { loadConfig, runExtract, createLogger } from 'moh-etl';
 * const loaded = loadConfig();
 * const summary = await runExtract(loaded, { sources: ['attendances'] }, createLogger({ level: 'info' }));
 */
export { loadConfig, type LoadedConfig, type LoadOptions } from './config/load.js';
export type {
  DatabaseConfig,
  ConnectionConfig,
  SourceConfig,
  ExtractionMode,
  OutputFormat,
  QueryTemplate,
} from './config/schema.js';
export { Secret } from './config/secret.js';
export {
  ExitCode,
  MohEtlError,
  ConfigError,
  UsageError,
  SourceError,
  OutputError,
  ReconciliationError,
  SourceBusy,
  StateError,
  ValidationFailed,
  type ConfigProblem,
} from './errors.js';
export type { ColumnSpec, ColumnType, CellValue, EncodedRows, Row, RowBatch } from './schema/column-types.js';
export type { Dialect, DialectCapabilities, QueryResult } from './db/dialect.js';
export { openConnection, type SourceConnection } from './db/connection.js';
export { runExtract, type ExtractOptions } from './pipeline/extract-step.js';
export type { RunSummary, SourceResult } from './pipeline/summary.js';
export type { DateRange } from './extract/date-range.js';
export type { WriterSpec, PartWriter, CommittedPart } from './write/writer.js';
export { createLogger, type Logger } from './observe/logger.js';
export { createDemoDatabase, advanceDemo } from './synth/index.js';
export { runValidate, type ValidateOptions, type ValidationRun } from './pipeline/validate-step.js';
export { validateSource, type SourceValidation } from './validate/source.js';
export { RowValidator, type RowValidatorOptions } from './validate/row/validator.js';
export type { CheckScope } from './validate/scope.js';
export {
  REPORT_VERSION,
  type CheckResult,
  type CheckStatus,
  type SourceReport,
  type Verdict,
} from './validate/result.js';
export type { CheckConfig, Severity, ValidationConfig } from './config/validation-schema.js';
