/** `moh-etl schedule`: `--list` shows the configured schedules; running them is not built yet. */
import { ExitCode, UsageError } from '../../errors.js';
import { loadContext } from '../context.js';
import type { CommonFlags } from '../options.js';
import { stdout, table, type Out } from '../print.js';

export function scheduleCommand(flags: CommonFlags & { list?: boolean }, out: Out = stdout): number {
  const loaded = loadContext(flags);
  const schedules = Object.entries(loaded.config.schedules);
  if (!flags.list) {
    throw new UsageError(
      'running schedules is not available in this version; use cron with `moh-etl extract` meanwhile (see docs/QUICK_START.md), or --list',
    );
  }
  table(
    [
      ['schedule', 'cron', 'time zone', 'mode', 'sources', 'enabled'],
      ...schedules.map(([n, s]) => [
        n,
        s.cron,
        s.timezone,
        s.mode ?? 'per source',
        s.sources?.join(' ') ?? 'all',
        s.enabled ? 'yes' : 'no',
      ]),
    ],
    out,
  );
  return ExitCode.Success;
}
