/**
 * What commands start from: the loaded config (which validates it) and, once every flag has been
 * checked, a logger. Opening the log only after the checks means a rejected command writes nothing.
 */
import path from 'node:path';
import { loadConfig, type LoadedConfig } from '../config/load.js';
import { UsageError } from '../errors.js';
import { createLogger, LOG_LEVELS, rotationFromConfig, type Logger } from '../observe/logger.js';
import type { CommonFlags } from './options.js';

type Level = (typeof LOG_LEVELS)[number];

export function loadContext(flags: CommonFlags): LoadedConfig {
  if (flags.logLevel !== undefined && !(LOG_LEVELS as readonly string[]).includes(flags.logLevel)) {
    throw new UsageError(`--log-level "${flags.logLevel}" is not a level (valid: ${LOG_LEVELS.join(', ')})`);
  }
  return loadConfig({ configPath: flags.config, root: flags.projectDir });
}

/** The run's logger: JSON lines to logs/extraction.log (unless `file` is false), warnings to stderr. */
export function openLog(loaded: LoadedConfig, flags: CommonFlags, file = true): Logger {
  const logging = loaded.config.logging;
  return createLogger({
    level: (flags.logLevel ?? logging.level) as Level,
    consoleLevel: (flags.logLevel ?? logging.console_level) as Level,
    directory: file ? path.resolve(loaded.root, logging.directory) : undefined,
    rotation: rotationFromConfig(logging),
  });
}
