/**
 * The validate step: each source's checks (validate/source.ts), reports written append-only under
 * validation.report_dir/<run_id>/, and the run's verdict. Critical failures are returned, not
 * thrown, so the caller prints the summary before it stops the pipeline (exit 3).
 */
import path from 'node:path';
import { UsageError } from '../errors.js';
import type { LoadedConfig } from '../config/load.js';
import { ConnectionSet } from '../db/connection.js';
import type { Logger } from '../observe/logger.js';
import type { CheckResult, SourceReport, Verdict } from '../validate/result.js';
import type { RowValidator } from '../validate/row/validator.js';
import { writeReports, type WrittenReports } from '../validate/report/files.js';
import type { CheckScope } from '../validate/scope.js';
import { checksAt } from '../validate/compile.js';
import { validateSource } from '../validate/source.js';
import { impactOf, worst } from '../validate/threshold.js';
import { newRunId } from './run-id.js';

export interface ValidateOptions {
  sources: string[];
  /** The rows each source's checks cover; default `{ kind: 'full' }` (the whole source). */
  scopes?: Record<string, CheckScope>;
  runId?: string;
  /** "Now" for date checks. Default: the clock. */
  now?: Date;
  /** Row checks already run during extraction, per source. */
  streamed?: Record<string, RowValidator | undefined>;
  onSource?: (report: SourceReport) => void;
}

export interface CriticalFailure {
  source: string;
  check: CheckResult;
}

export interface ValidationRun {
  run_id: string;
  verdict: Verdict;
  reports: SourceReport[];
  files: WrittenReports;
  /** Failed checks of severity critical, in source order. */
  critical: CriticalFailure[];
  /** Sources without checks in validation.sources. */
  unchecked: string[];
}

export async function runValidate(
  loaded: LoadedConfig,
  options: ValidateOptions,
  log: Logger,
): Promise<ValidationRun> {
  const { config, root } = loaded;
  const unknown = options.sources.filter((s) => !Object.hasOwn(config.sources, s));
  if (unknown.length > 0)
    throw new UsageError(
      `unknown source ${unknown.map((u) => `"${u}"`).join(', ')} (valid: ${Object.keys(config.sources).join(', ')})`,
    );
  const runId = options.runId ?? newRunId();
  const now = options.now ?? new Date();
  const connections = new ConnectionSet(config.connections, root, {
    warn: (m) => log.warn(m),
    debug: (m) => log.debug(m),
  });
  const reports: SourceReport[] = [];
  const checked = options.sources.filter((s) => checksAt(config.validation, s, 'increment').length > 0);
  try {
    for (const name of checked) {
      const scope = options.scopes?.[name] ?? { kind: 'full' };
      const slog = log.child({ source: name, run_id: runId, step: 'validate' });
      let report: SourceReport;
      try {
        const conn = connections.get(config.sources[name]!.connection);
        report = await validateSource({
          loaded,
          conn,
          name,
          scope,
          runId,
          now,
          log: slog,
          streamed: options.streamed?.[name],
        });
        slog.info({ verdict: report.verdict, rows: report.rows }, 'source validated');
      } catch (e) {
        slog.error({ err: e }, 'validation failed to run');
        report = failedReport(runId, name, scope, (e as Error).message);
      }
      reports.push(report);
      options.onSource?.(report);
    }
  } finally {
    await connections.closeAll();
  }
  const files = writeReports(
    path.resolve(root, config.validation.report_dir),
    runId,
    reports,
    config.validation.html,
  );
  const critical = reports.flatMap((r) =>
    r.checks.filter((c) => impactOf(c) === 'critical').map((check) => ({ source: r.source, check })),
  );
  return {
    run_id: runId,
    verdict: worst(reports.map((r) => r.verdict)),
    reports,
    files,
    critical,
    unchecked: options.sources.filter((s) => !checked.includes(s)),
  };
}

export function failedReport(runId: string, source: string, scope: CheckScope, error: string): SourceReport {
  return {
    report_version: 1,
    run_id: runId,
    source,
    generated_at: new Date().toISOString(),
    scope: { kind: scope.kind, range: scope.range, description: 'not checked' },
    rows: 0,
    duration_ms: 0,
    verdict: 'error',
    checks: [],
    days: [],
    error,
  };
}
