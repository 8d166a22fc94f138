/**
 * The session around an ad-hoc run: the log, and one audit record, as every command that does work
 * has (cli/session.ts), with two differences. No metrics: an ad-hoc run is not a source's feed, so
 * it must not move a source's last-run gauges or count as a failed run of it. And a single
 * `--output FILE` has no manifest, so the audit names that file from the sink (path, rows, sha256).
 */
import path from 'node:path';
import type { LoadedConfig } from '../config/load.js';
import { isMohEtlError } from '../errors.js';
import { buildAuditRecord } from '../observe/audit.js';
import { closeLogger, writeAuditLine, type Logger } from '../observe/logger.js';
import type { RunRecord } from '../pipeline/summary.js';
import type { CommittedPart } from '../write/writer.js';
import { openLog } from './context.js';
import type { CommonFlags } from './options.js';

export interface AdhocSessionResult {
  exitCode: number;
  record?: RunRecord;
  /** Files without a manifest (a single `--output FILE`): the audit names them with their sha256. */
  files?: CommittedPart[];
}

export async function withAdhocSession(
  loaded: LoadedConfig,
  flags: CommonFlags,
  body: (log: Logger) => Promise<AdhocSessionResult>,
): Promise<number> {
  const started = new Date();
  const log = openLog(loaded, flags);
  let result: AdhocSessionResult = { exitCode: 1 };
  try {
    result = await body(log);
    return result.exitCode;
  } catch (e) {
    result = { exitCode: isMohEtlError(e) ? e.exitCode : 1 };
    throw e;
  } finally {
    await audit(log, loaded, started, result);
    await closeLogger(log);
  }
}

async function audit(
  log: Logger,
  loaded: LoadedConfig,
  started: Date,
  result: AdhocSessionResult,
): Promise<void> {
  try {
    const record = await buildAuditRecord({
      command: 'extract',
      // Redacted by the audit (observe/redact-argv.ts): --sql, --where, --param as digests.
      argv: process.argv.slice(2),
      exitCode: result.exitCode,
      started,
      configFile: loaded.file,
      queriesFile: loaded.queriesFile,
      root: loaded.root,
      ...(result.record ? { record: result.record } : {}),
    });
    const source = record.sources[0];
    if (source && source.files.length === 0 && result.files?.length)
      source.files = result.files.map((f) => ({
        path: shown(loaded.root, f.path),
        rows: f.rows,
        bytes: f.bytes,
        sha256: f.sha256,
      }));
    writeAuditLine(log, { ...record, adhoc: true });
  } catch (e) {
    log.error({ err: e }, 'cannot write the audit record');
  }
}

const shown = (root: string, p: string): string => {
  const rel = path.relative(root, p);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : p;
};
