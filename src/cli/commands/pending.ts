/**
 * Commands whose engines are not built yet say so plainly, with exit code 2, instead of pretending.
 * Each names the capability that will fill it (see docs/ARCHITECTURE.md, "Roadmap").
 */
import { UsageError } from '../../errors.js';
import { loadContext } from '../context.js';
import type { CommonFlags } from '../options.js';

export function pendingCommand(name: string, what: string, flags: CommonFlags): Promise<number> {
  loadContext(flags);
  return Promise.reject(new UsageError(`\`moh-etl ${name}\` is not available in this version: ${what}`));
}
