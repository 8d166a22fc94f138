/**
 * What the alerts integration tests share: a temp directory per test, a real logger whose output
 * (the human console lines and the JSON log file) can be read back, and configs parsed by the real
 * schema (so secrets are `Secret`s exactly as in production).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { alertsSchema, type AlertsConfig } from '../../../src/config/alerts-schema.js';
import { createLogger, type Logger } from '../../../src/observe/logger.js';

export interface TempDir {
  dir: string;
  cleanup(): void;
}

export function tempDir(): TempDir {
  const dir = mkdtempSync(path.join(tmpdir(), 'moh-etl-alerts-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface CapturedLog {
  log: Logger;
  /** Everything logged so far: console lines, then the JSON log file. */
  text(): string;
  /** The JSON log file's records. */
  records(): Record<string, unknown>[];
}

export function capturedLog(dir: string): CapturedLog {
  let console = '';
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      console += chunk.toString();
      done();
    },
  });
  const logDir = path.join(dir, 'logs');
  const log = createLogger({ level: 'debug', consoleLevel: 'debug', console: sink, directory: logDir });
  const file = path.join(logDir, 'extraction.log');
  const json = () => (existsSync(file) ? readFileSync(file, 'utf8') : '');
  return {
    log,
    text: () => console + json(),
    records: () =>
      json()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

/** Fast limits for tests: short attempts, short waits, a short deadline. */
export const FAST = {
  retry: { attempts: 2, min_delay: '50ms', max_delay: '100ms' },
  timeout: '400ms',
  deadline: '1500ms',
};

export function alertsConfig(section: Record<string, unknown>): AlertsConfig {
  return alertsSchema.parse({ ...FAST, ...section });
}
