/**
 * `moh-etl state show [sources…]`: each source's watermark (identifying key values masked), the
 * lookback window's size, the highest key seen, the unfinished run and the last run; unless
 * --offline it also asks the source whether the watermark is ahead of its newest row.
 */
import type { LoadedConfig } from '../../config/load.js';
import { ConnectionSet } from '../../db/connection.js';
import { ExitCode, StateError } from '../../errors.js';
import type { PendingRun, SourceState, StateStore, Watermark } from '../../extract/state.js';
import * as wm from '../../extract/watermark-text.js';
import { describeFailure } from '../../pipeline/failure.js';
import { loadContext } from '../context.js';
import type { CommonFlags } from '../options.js';
import { formatCount, stdout, table, type Out } from '../print.js';
import {
  droppedRun,
  incrementalPlan,
  knownSource,
  maskedColumns,
  stateStore,
  type KeptState,
  type RunRef,
} from './state-common.js';

export interface StateShowFlags extends CommonFlags {
  json?: boolean;
  /** Do not connect to the sources (no check that the watermark is behind the newest row). */
  offline?: boolean;
}

/** `state show [sources…]` (default: every source). Exit 1 when a state file is unreadable. */
export async function stateShowCommand(
  sources: string[],
  flags: StateShowFlags,
  io: { out?: Out } = {},
): Promise<number> {
  const out = io.out ?? stdout;
  const loaded = loadContext(flags);
  const names = sources.length
    ? sources.map((s) => knownSource(loaded, s))
    : Object.keys(loaded.config.sources);
  const store = stateStore(loaded);
  const connections = new ConnectionSet(loaded.config.connections, loaded.root);
  const shown: ShownState[] = [];
  try {
    for (const name of names) shown.push(await showOne(loaded, store, connections, name, !flags.offline));
  } finally {
    await connections.closeAll();
  }
  if (flags.json) out(JSON.stringify({ sources: shown }));
  else printStates(shown, out);
  return shown.some((s) => s.error) ? ExitCode.RunFailure : ExitCode.Success;
}

/** One source's state as `show` prints it (also its --json shape). */
interface ShownState {
  source: string;
  watermark: (Watermark & { text: string; set_by?: string; set_at?: string }) | null;
  /** Rows delivered within the lookback window (digests kept so they are not delivered again). */
  lookback_digests: number;
  max_key: (Watermark & { text: string }) | null;
  unfinished_run: (RunRef & Pick<PendingRun, 'mode' | 'rows' | 'started_at'>) | null;
  last_run: SourceState['last_run'] | null;
  reset_at?: string;
  /** The watermark is ahead of the source's newest row. */
  warning?: string;
  /** Why the watermark was not compared with the source (it could not be reached). */
  not_checked?: string;
  /** The state file is unreadable. */
  error?: string;
}

async function showOne(
  loaded: LoadedConfig,
  store: StateStore,
  connections: ConnectionSet,
  name: string,
  check: boolean,
): Promise<ShownState> {
  let s: KeptState;
  try {
    s = store.read(name);
  } catch (e) {
    if (!(e instanceof StateError)) throw e;
    const empty = { watermark: null, max_key: null, unfinished_run: null, last_run: null };
    return { source: name, ...empty, lookback_digests: 0, error: `${e.message}; ${e.hint ?? ''}` };
  }
  const p = s.pending;
  const pii = maskedColumns(loaded, name);
  const shown: ShownState = {
    source: name,
    watermark: s.watermark
      ? { ...wm.maskedPosition(s.watermark, pii), text: wm.describePosition(s.watermark, undefined, pii) }
      : null,
    lookback_digests: s.recent?.length ?? 0,
    max_key: s.max_key
      ? { ...wm.maskedPosition(s.max_key, pii), text: wm.describePosition(s.max_key, undefined, pii) }
      : null,
    unfinished_run: p ? { ...droppedRun(p), mode: p.mode, rows: p.rows, started_at: p.started_at } : null,
    last_run: s.last_run ?? null,
    ...(s.reset_at ? { reset_at: s.reset_at } : {}),
  };
  if (!check || !s.watermark || !loaded.config.sources[name]!.cursor_column) return shown;
  try {
    const { conn, plan } = await incrementalPlan(loaded, connections, name);
    shown.watermark!.text = wm.describePosition(s.watermark, plan, pii);
    const warning = await wm.watermarkAhead(conn, plan, s.watermark);
    if (warning) shown.warning = warning;
  } catch (e) {
    const connection = loaded.config.sources[name]!.connection;
    const context = { connection, source: name };
    shown.not_checked = describeFailure(e, context, connections.dialectOf(connection)).message;
  }
  return shown;
}

function printStates(states: ShownState[], out: Out): void {
  states.forEach((s, i) => {
    if (i > 0) out('');
    out(s.source);
    if (s.error) return out(`  error: ${s.error}`);
    const w = s.watermark;
    const u = s.unfinished_run;
    const last = s.last_run;
    const reset = s.reset_at ? ` (reset at ${s.reset_at})` : '';
    const rows: [string, string][] = [
      [
        'watermark',
        w
          ? `${w.text}${w.set_by ? ` (set by ${w.set_by} at ${w.set_at})` : ''}`
          : `none: the next incremental run reads from the beginning${reset}`,
      ],
      ['lookback window', `${formatCount(s.lookback_digests)} rows already delivered`],
      ['highest key', s.max_key?.text ?? '-'],
      [
        'unfinished run',
        u
          ? `${u.run_id} (${u.mode}, ${formatCount(u.parts)} parts, ${formatCount(u.rows)} rows, started ${u.started_at}, ${u.directory})`
          : 'none',
      ],
      [
        'last run',
        last ? `${last.run_id} ${last.status}, ${formatCount(last.rows)} rows, ${last.finished_at}` : 'never',
      ],
    ];
    table(
      rows.map(([k, v]) => [`  ${k}`, v]),
      out,
    );
    if (s.warning) out(`  warning: ${s.warning}`);
    if (s.not_checked) out(`  not compared with the source: ${s.not_checked}`);
  });
}
