/** What every command starts from: the loaded config and a logger, built from the common flags. */
import path from 'node:path';
import { loadConfig, type LoadedConfig } from '../config/load.js';
import { UsageError } from '../errors.js';
import { createLogger, LOG_LEVELS, type Logger } from '../observe/logger.js';
import type { CommonFlags } from './options.js';

export interface CommandContext {
  loaded: LoadedConfig;
  log: Logger;
}

export interface ContextOptions {
  /** No log file (dry runs write nothing). */
  noLogFile?: boolean;
}

export function commandContext(flags: CommonFlags, options: ContextOptions = {}): CommandContext {
  const level = flags.logLevel;
  if (level !== undefined && !(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new UsageError(`--log-level "${level}" is not a level (valid: ${LOG_LEVELS.join(', ')})`);
  }
  const loaded = loadConfig({ configPath: flags.config });
  const logging = loaded.config.logging;
  const log = createLogger({
    level: (level ?? logging.level) as (typeof LOG_LEVELS)[number],
    consoleLevel: (level ?? 'warn') as (typeof LOG_LEVELS)[number],
    directory: options.noLogFile ? undefined : path.resolve(loaded.root, logging.directory),
  });
  return { loaded, log };
}
