/**
 * The console form of log records: one short line per record on stderr, for people ("warn
 * message (source=attendances)"). The JSON lines go to the files; `--json` output is the CLI's.
 */
import { Writable } from 'node:stream';
import pino from 'pino';

/** Record fields worth showing after the message, in this order. */
const CONTEXT_KEYS = ['source', 'run_id'];

export function humanStream(out: NodeJS.WritableStream): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, done) {
      try {
        out.write(humanLine(JSON.parse(chunk.toString()) as Record<string, unknown>));
      } catch {
        out.write(chunk);
      }
      done();
    },
  });
}

/** "error run failed: connection refused (source=attendances)\n" */
export function humanLine(rec: Record<string, unknown>): string {
  const label = pino.levels.labels[rec.level as number] ?? 'info';
  const context = CONTEXT_KEYS.filter((k) => rec[k] !== undefined).map((k) => `${k}=${String(rec[k])}`);
  const err = rec.err as { message?: string } | undefined;
  const msg = `${typeof rec.msg === 'string' ? rec.msg : ''}${err?.message ? `: ${err.message}` : ''}`;
  return `${label.padEnd(5)} ${msg}${context.length ? ` (${context.join(', ')})` : ''}\n`;
}
