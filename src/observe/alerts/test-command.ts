/**
 * The body of `moh-etl alert test [--channel NAME]`: send a test message to one channel or to all,
 * and print one line per channel. Exit 0 when every message was delivered, 1 when a channel
 * failed, 2 for an unknown channel name (with a did-you-mean) or when no channel is configured.
 */
import path from 'node:path';
import type { AlertsConfig } from '../../config/alerts-schema.js';
import { ExitCode, UsageError } from '../../errors.js';
import type { Logger } from '../logger.js';
import { createAlerter } from './alerter.js';

export interface AlertTestInput {
  /** The loaded `alerts:` section. */
  alerts: AlertsConfig;
  /** Project root: the state file and a CA file resolve against it. */
  root: string;
  log: Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;
}

export async function alertTest(
  input: AlertTestInput,
  channel: string | undefined,
  out: (line: string) => void,
): Promise<number> {
  if (Object.keys(input.alerts.channels).length === 0)
    throw new UsageError('no alert channels are configured', {
      hint: 'add them under alerts.channels in config/database.yml',
    });
  const alerter = createAlerter({
    config: input.alerts,
    stateFile: path.resolve(input.root, input.alerts.state_file),
    log: input.log,
    root: input.root,
  });
  // An unknown channel name is a UsageError (with a did-you-mean): the CLI prints it on stderr.
  const outcomes = await alerter.test(channel);
  for (const o of outcomes) {
    const timing = `${o.attempts ?? 0} attempt${o.attempts === 1 ? '' : 's'}, ${o.duration_ms ?? 0} ms`;
    out(
      o.status === 'sent'
        ? `${o.channel} (${o.type}): sent (${timing})`
        : `${o.channel} (${o.type}): FAILED — ${o.reason ?? 'unknown reason'} (${timing})`,
    );
  }
  return outcomes.every((o) => o.status === 'sent') ? ExitCode.Success : ExitCode.RunFailure;
}
