/** `moh-etl alert test [--channel NAME]`: send a test message to every channel (or one), say how it went. */
import { alertTest } from '../../observe/alerts/index.js';
import { loadContext } from '../context.js';
import type { CommonFlags } from '../options.js';
import { stdout, type Out } from '../print.js';
import { withSession } from '../session.js';

export async function alertTestCommand(
  flags: CommonFlags & { channel?: string },
  out: Out = stdout,
): Promise<number> {
  const loaded = loadContext(flags);
  return withSession(loaded, flags, 'alert test', async ({ log }) => ({
    exitCode: await alertTest({ alerts: loaded.config.alerts, root: loaded.root, log }, flags.channel, out),
  }));
}
