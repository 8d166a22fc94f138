/**
 * pino, with redaction from day one: known secret keys are censored by path, and every line is
 * scrubbed of registered secret values before it is written (a driver error can echo a
 * connection string). JSON lines go to logs/extraction.log; people read the console summary, and
 * warnings and errors also go to stderr in a short human form.
 */
import path from 'node:path';
import { Writable } from 'node:stream';
import pino, { type Logger, type LevelWithSilent } from 'pino';
import { redactSecrets } from '../config/secret.js';
import { ensureDirectory } from '../write/atomic.js';
import { withFs } from '../write/fs-failure.js';

export type { Logger };
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
  /** Level for the log file; default info. */
  level: LevelWithSilent;
  /** Level for stderr; default warn. */
  consoleLevel?: LevelWithSilent;
  /** Directory of extraction.log; omitted: no file (dry runs, tests). */
  directory?: string;
  /** Where console lines go; default process.stderr. */
  console?: NodeJS.WritableStream;
}

export function createLogger(options: LoggerOptions): Logger {
  const streams: pino.StreamEntry[] = [];
  if (options.directory) {
    ensureDirectory(options.directory, 'logging.directory');
    const dest = path.join(options.directory, 'extraction.log');
    const file = withFs(
      'open',
      dest,
      () =>
        pino.destination({
          dest,
          sync: true,
          // Log lines can carry source names, counts and error text about patient tables.
          mode: 0o640,
        }),
      'logging.directory',
    );
    streams.push({ level: asLevel(options.level), stream: file });
  }
  streams.push({
    level: asLevel(options.consoleLevel ?? 'warn'),
    stream: humanStream(options.console ?? process.stderr),
  });
  const lowest = streams
    .map((s) => pino.levels.values[s.level as string] ?? 100)
    .reduce((a, b) => Math.min(a, b), 100);
  return pino(
    {
      level: pino.levels.labels[lowest] ?? 'info',
      base: { app: 'moh-etl' },
      redact: { paths: REDACT_PATHS, censor: '***' },
      hooks: { streamWrite: redactSecrets },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    pino.multistream(streams),
  );
}

function asLevel(level: LevelWithSilent): pino.Level {
  return level === 'silent' ? 'fatal' : level;
}

/** One short line per record: "warn  message (source=attendances)". */
function humanStream(out: NodeJS.WritableStream): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, done) {
      try {
        const rec = JSON.parse(chunk.toString()) as Record<string, unknown>;
        const label = pino.levels.labels[rec.level as number] ?? 'info';
        const context = ['source', 'run_id']
          .filter((k) => rec[k] !== undefined)
          .map((k) => `${k}=${String(rec[k])}`);
        const err = rec.err as { message?: string } | undefined;
        const msg = [typeof rec.msg === 'string' ? rec.msg : '', err?.message ? `: ${err.message}` : ''].join(
          '',
        );
        out.write(`${label.padEnd(5)} ${msg}${context.length ? ` (${context.join(', ')})` : ''}\n`);
      } catch {
        out.write(chunk);
      }
      done();
    },
  });
}

export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
