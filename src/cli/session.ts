/**
 * What every command that does work shares, around its body: the log (three rotated files), the
 * metrics listener (results/metrics/<run_id>.json and the Prometheus textfile), and at the end one
 * audit record (who ran what, with which config, what it wrote, how it ended), then the log flushed
 * and closed. A command that throws is audited with the exit code its error maps to.
 */
import path from 'node:path';
import type { LoadedConfig } from '../config/load.js';
import { isMohEtlError } from '../errors.js';
import { auditRecord } from '../observe/audit.js';
import { closeLogger, type Logger } from '../observe/logger.js';
import { metricsListener } from '../observe/metrics/index.js';
import type { RunRecord } from '../pipeline/summary.js';
import { openLog } from './context.js';
import type { CommonFlags } from './options.js';

export interface CommandSession {
  log: Logger;
  metrics: ReturnType<typeof metricsListener>;
}

export interface CommandResult {
  exitCode: number;
  /** The run record, when the command ran one (audited and counted in the metrics). */
  record?: RunRecord;
}

export async function withSession(
  loaded: LoadedConfig,
  flags: CommonFlags,
  command: string,
  body: (session: CommandSession) => Promise<CommandResult>,
): Promise<number> {
  const started = new Date();
  const log = openLog(loaded, flags);
  const metrics = metricsFor(loaded, log);
  let result: CommandResult = { exitCode: 1 };
  try {
    result = await body({ log, metrics });
    return result.exitCode;
  } catch (e) {
    result = { exitCode: isMohEtlError(e) ? e.exitCode : 1 };
    throw e;
  } finally {
    await auditRecord(log, {
      command,
      argv: process.argv.slice(2),
      exitCode: result.exitCode,
      started,
      configFile: loaded.file,
      queriesFile: loaded.queriesFile,
      root: loaded.root,
      ...(result.record ? { record: result.record } : {}),
    });
    await metrics.flush().catch((e: unknown) => log.warn({ err: e }, 'metrics could not be written'));
    await closeLogger(log);
  }
}

export function metricsFor(loaded: LoadedConfig, log: Logger): ReturnType<typeof metricsListener> {
  const { root, config } = loaded;
  const m = config.metrics;
  return metricsListener({
    root,
    directory: path.resolve(root, m.directory),
    textfile: m.textfile === null ? null : path.resolve(root, m.textfile),
    successWindow: m.success_window,
    alertStateFile: path.resolve(root, config.alerts.state_file),
    heartbeatFile: path.join(path.resolve(root, config.extraction.state_dir), 'scheduler.heartbeat.json'),
    log,
  });
}
