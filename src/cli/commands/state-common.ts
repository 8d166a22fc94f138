/**
 * What the state subcommands share: the source named on the command line, its state store, its
 * incremental plan (keyset columns and types), which key values are masked on screen, and how an
 * unfinished run is shown.
 */
import path from 'node:path';
import type { LoadedConfig } from '../../config/load.js';
import { didYouMean } from '../../config/suggest.js';
import type { ConnectionSet, SourceConnection } from '../../db/connection.js';
import { UsageError } from '../../errors.js';
import { planSource, sourceRequest, type SourcePlan } from '../../extract/plan.js';
import { StateStore, type PendingRun, type SourceState } from '../../extract/state.js';
import { asUserError } from '../../pipeline/failure.js';
import { piiColumns } from '../../transform/pii-names.js';
import { formatCount, shownPath } from '../print.js';

/** The state file as `reset` leaves it: the history it had, and when it was reset. */
export type KeptState = SourceState & { reset_at?: string };

/** An unfinished run as printed: its directory relative to where the user stands. */
export interface RunRef {
  run_id: string;
  parts: number;
  directory: string;
}

export const droppedRun = (p: PendingRun): RunRef => ({
  run_id: p.run_id,
  parts: p.parts.length,
  directory: shownPath(p.directory),
});

export const droppedLine = (d: RunRef) =>
  `The unfinished run ${d.run_id} is dropped; its ${formatCount(d.parts)} committed parts stay in ${d.directory} (remove it if unwanted).`;

/** The source's incremental plan (its keyset columns and their types), failing as a user's error. */
export async function incrementalPlan(
  loaded: LoadedConfig,
  connections: ConnectionSet,
  name: string,
): Promise<{ conn: SourceConnection; plan: SourcePlan }> {
  const source = loaded.config.sources[name]!;
  try {
    const conn = connections.get(source.connection);
    return { conn, plan: await planSource(conn, sourceRequest(loaded, name, 'incremental')) };
  } catch (e) {
    const queriesFile = path.relative(loaded.root, loaded.queriesFile) || loaded.queriesFile;
    const context = {
      connection: source.connection,
      source: name,
      template: source.query ?? name,
      queriesFile,
    };
    throw asUserError(e, context, connections.dialectOf(source.connection));
  }
}

export function knownSource(loaded: LoadedConfig, name: string): string {
  const names = Object.keys(loaded.config.sources);
  if (Object.hasOwn(loaded.config.sources, name)) return name;
  throw new UsageError(`unknown source "${name}"${didYouMean(name, names)} (valid: ${names.join(', ')})`);
}

/** The keyset columns whose values are masked on screen: the source's pii_columns and PII names. */
export const maskedColumns = (loaded: LoadedConfig, name: string): ReadonlySet<string> => {
  const source = loaded.config.sources[name]!;
  return new Set(piiColumns(source.pii_columns, [source.cursor_column ?? '', ...source.primary_key]));
};

export const stateStore = (loaded: LoadedConfig) =>
  new StateStore(path.resolve(loaded.root, loaded.config.extraction.state_dir));
