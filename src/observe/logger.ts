/**
 * pino, with redaction from day one: known secret keys are censored by path, and every line is
 * scrubbed of registered secret values before it is written (a driver error can echo a
 * connection string). Three files under the log directory, each rotated by size and by day with
 * retention (log-file.ts): extraction.log (the configured level), errors.log (error and fatal)
 * and audit.log (only the audit records, see audit.ts). People read the console: a short human
 * form of warnings and errors on stderr.
 *
 * Lines reach the files synchronously once they are open; `closeLogger` (or `flushLogger`) waits
 * for the opening, so a command awaits it before it exits.
 */
import { accessSync, constants } from 'node:fs';
import pino, { type Logger, type LevelWithSilent } from 'pino';
import { parseByteSize, type LoggingConfig } from '../config/observe-schema.js';
import { redactSecrets } from '../config/secret.js';
import { serializeError } from './error-serializer.js';
import { OutputError } from '../errors.js';
import { ensureDirectory } from '../write/atomic.js';
import { outputFailure, withFs } from '../write/fs-failure.js';
import { humanStream } from './console-log.js';
import { DEFAULT_ROTATION, RollingLog, type LogRotation } from './log-file.js';

export type { Logger };
export type { LogRotation };
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

const REDACT_PATHS = [
  'password',
  '*.password',
  '*.*.password',
  'token',
  '*.token',
  'url',
  '*.url',
  'webhook_url',
  '*.webhook_url',
  'connection.connectionString',
  'err.config',
];

export interface LoggerOptions {
  /** Level for extraction.log; default info. */
  level: LevelWithSilent;
  /** Level for stderr; default warn. */
  consoleLevel?: LevelWithSilent;
  /** Directory of the three log files; omitted: no file (dry runs, tests). */
  directory?: string;
  /** Where console lines go; default process.stderr. */
  console?: NodeJS.WritableStream;
  /** Rotation and retention of the files; default 50 MiB, 14 files per log, daily. */
  rotation?: Partial<LogRotation>;
}

interface LogFiles {
  logs: RollingLog[];
  audit: Logger;
}

/** Keyed by the logger's destination, which its child loggers share. */
const filesOf = new WeakMap<object, LogFiles>();

export function createLogger(options: LoggerOptions): Logger {
  const out = options.console ?? process.stderr;
  const streams: pino.StreamEntry[] = [];
  let files: { extraction: RollingLog; errors: RollingLog; audit: RollingLog } | undefined;
  if (options.directory) {
    files = openFiles(options.directory, { ...DEFAULT_ROTATION, ...options.rotation }, out);
    streams.push({ level: asLevel(options.level), stream: files.extraction });
    streams.push({ level: 'error', stream: files.errors });
  }
  streams.push({ level: asLevel(options.consoleLevel ?? 'warn'), stream: humanStream(out) });
  const lowest = streams
    .map((s) => pino.levels.values[s.level as string] ?? 100)
    .reduce((a, b) => Math.min(a, b), 100);
  const logger = pino(
    { ...baseOptions(), level: pino.levels.labels[lowest] ?? 'info' },
    pino.multistream(streams),
  );
  if (files)
    filesOf.set(destinationOf(logger), {
      logs: [files.extraction, files.errors, files.audit],
      audit: pino({ ...baseOptions(), level: 'info' }, files.audit),
    });
  return logger;
}

/** The rotation settings of the `logging:` section, for `LoggerOptions.rotation`. */
export function rotationFromConfig(
  logging: Pick<LoggingConfig, 'max_size' | 'keep' | 'rotate'>,
): LogRotation {
  return {
    maxBytes: parseByteSize(logging.max_size) ?? DEFAULT_ROTATION.maxBytes,
    keep: logging.keep,
    period: logging.rotate,
  };
}

function baseOptions(): pino.LoggerOptions {
  return {
    base: { app: 'moh-etl' },
    redact: { paths: REDACT_PATHS, censor: '***' },
    hooks: { streamWrite: redactSecrets },
    serializers: { err: serializeError },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
}

function openFiles(directory: string, rotation: LogRotation, out: NodeJS.WritableStream) {
  ensureDirectory(directory, 'logging.directory');
  // Fail now, as an OutputError naming the setting, rather than at the first line written.
  withFs(
    'open',
    directory,
    () => accessSync(directory, constants.W_OK | constants.X_OK),
    'logging.directory',
  );
  const onError = (base: string) => (e: Error) => {
    const failure = outputFailure(e, 'write', `${directory}/${base}.log`, 'logging.directory');
    const hint = failure instanceof OutputError && failure.hint ? ` (${failure.hint})` : '';
    out.write(redactSecrets(`error ${failure.message}; its next lines are dropped${hint}\n`));
  };
  const open = (base: string) => new RollingLog(directory, base, rotation, onError(base));
  return { extraction: open('extraction'), errors: open('errors'), audit: open('audit') };
}

function destinationOf(logger: Logger): object {
  return (logger as unknown as Record<symbol, object>)[pino.symbols.streamSym]!;
}

function asLevel(level: LevelWithSilent): pino.Level {
  return level === 'silent' ? 'fatal' : level;
}

/**
 * Wait until the log files are open and every line logged so far is written (and old files
 * pruned). Safe on any logger (a silent one, a child): resolves at once when it has no files.
 */
export async function flushLogger(logger: Logger): Promise<void> {
  const files = filesOf.get(destinationOf(logger));
  if (files) await Promise.all(files.logs.map((l) => l.ready()));
}

/**
 * `flushLogger`, then close the files. A command awaits it before it exits; a line logged after
 * it is still appended (more slowly). Never rejects: a file that cannot be written was reported
 * on the console when it failed.
 */
export async function closeLogger(logger: Logger): Promise<void> {
  const files = filesOf.get(destinationOf(logger));
  if (files) await Promise.all(files.logs.map((l) => l.close()));
}

/**
 * Write one record to audit.log (redacted like every line). Returns false when the logger has no
 * files (a dry run, a library caller's logger).
 */
export function writeAuditLine(logger: Logger, record: object): boolean {
  const files = filesOf.get(destinationOf(logger));
  if (!files) return false;
  files.audit.info(record, 'audit');
  return true;
}

/** The files in use, once open (for `status` and tests); empty without files. */
export function logFiles(logger: Logger): string[] {
  const files = filesOf.get(destinationOf(logger));
  return files ? files.logs.map((l) => l.file).filter((f): f is string => f !== undefined) : [];
}

export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
