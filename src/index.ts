/**
 * The moh-etl library API. Everything exported here is supported; anything else is internal.
 *
 * @example
 * import { defineConfig, runPipeline } from 'moh-etl';
 * const config = defineConfig({
 *   connections: { clinic: { client: 'sqlite', filename: 'data/demo/moh_demo.sqlite' } },
 *   sources: { polyclinics: { connection: 'clinic', primary_key: ['polyclinic_code'], mode: 'full', sql: 'SELECT * FROM polyclinics' } },
 * });
 * const record = await runPipeline({ config, phases: ['extract'], onEvent: (e) => console.log(e.type) });
 */
export {
  defineConfig,
  DEFINED_CONFIG,
  type ConfigInput,
  type DefineOptions,
  type QueryInput,
  type SourceInput,
} from './config/define.js';
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
  RunInterrupted,
  DriverMissing,
  type ConfigProblem,
} from './errors.js';
export { DRIVERS, driverInstalled, type DriverSpec } from './db/drivers.js';
export type { ColumnSpec, ColumnType, CellValue, EncodedRows, Row, RowBatch } from './schema/column-types.js';
export type { Dialect, DialectCapabilities, QueryResult } from './db/dialect.js';
export { openConnection, type SourceConnection } from './db/connection.js';
export { runExtract, type ExtractOptions } from './pipeline/extract-step.js';
export type {
  RunSummary,
  RunRecord,
  RunStatus,
  SourceResult,
  SourceStatus,
  Phase,
  PhaseRecord,
  PhaseStatus,
} from './pipeline/summary.js';
export { runPipeline, type PipelineOptions, type PipelineRequest } from './pipeline/run-pipeline.js';
export type { PipelineEvent, PipelineEventType, EventListener } from './observe/events.js';
export type { DateRange } from './extract/date-range.js';
export type { WriterSpec, PartWriter, CommittedPart } from './write/writer.js';
export { createLogger, closeLogger, flushLogger, type Logger, type LoggerOptions } from './observe/logger.js';
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
