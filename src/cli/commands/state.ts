/**
 * `moh-etl state show|set|reset`: a source's extraction state, as Meltano's `state` commands do it.
 *
 * - show: the watermark, the lookback window's size, the highest key seen, the unfinished run and the
 *   last run; unless --offline it also asks the source whether the watermark is ahead of its newest
 *   row (a restored database makes every increment empty without a word).
 * - set: a watermark typed as canonical text, parsed against the cursor columns' types (a malformed
 *   or impossible value is refused, exit 2) and stored in the driver's form; the lookback window
 *   behind it is marked delivered, so the next run reads exactly the rows after it.
 * - reset: forgets the watermark, the lookback window, the highest key and the unfinished run, and
 *   keeps the run history (`last_run`). It asks first; without a terminal it needs --yes.
 *
 * Both changes take the source's lock: a run in progress would write its checkpoint back over them.
 */
import { renameSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { LoadedConfig } from '../../config/load.js';
import { didYouMean } from '../../config/suggest.js';
import { ConnectionSet, type SourceConnection } from '../../db/connection.js';
import { ExitCode, StateError, UsageError } from '../../errors.js';
import { lockSource } from '../../extract/lock.js';
import { planSource, sourceRequest, type SourcePlan } from '../../extract/plan.js';
import { StateStore, type PendingRun, type SourceState, type Watermark } from '../../extract/state.js';
import * as wm from '../../extract/watermark-text.js';
import { asUserError, describeFailure } from '../../pipeline/failure.js';
import { lookbackFor } from '../../pipeline/start-run.js';
import { loadContext } from '../context.js';
import type { CommonFlags } from '../options.js';
import { formatCount, shownPath, stdout, table, type Out } from '../print.js';

export interface StateShowFlags extends CommonFlags {
  json?: boolean;
  /** Do not connect to the sources (no check that the watermark is behind the newest row). */
  offline?: boolean;
}

export interface StateSetFlags extends CommonFlags {
  /** Comma-separated canonical values in keyset order: the cursor column, then the primary key. */
  watermark: string;
  yes?: boolean;
  /** Drop an unfinished run (its files stay on disk) instead of refusing. */
  fresh?: boolean;
  json?: boolean;
}

export interface StateResetFlags extends CommonFlags {
  yes?: boolean;
  json?: boolean;
}

/** Asks a yes/no question; resolves true only for an explicit yes. */
export type Ask = (question: string) => Promise<boolean>;

export interface StateIo {
  out?: Out;
  /** Asks the person at the terminal; undefined when there is none. Default: stdin if it is a TTY. */
  ask?: Ask;
}

/** A watermark set by hand says so; a run moving it writes a new object without these. */
export interface SetWatermark extends Watermark {
  set_by: 'state set';
  set_at: string;
}

/** The state file as `reset` leaves it: the history it had, and when it was reset. */
type KeptState = SourceState & { reset_at?: string };

/** `state show [sources…]` (default: every source). Exit 1 when a state file is unreadable. */
export async function stateShowCommand(
  sources: string[],
  flags: StateShowFlags,
  io: StateIo = {},
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

/** `state set <source> --watermark v[,v…]`: exit 2 for a malformed value or an unfinished run. */
export async function stateSetCommand(
  source: string,
  flags: StateSetFlags,
  io: StateIo = {},
): Promise<number> {
  const out = io.out ?? stdout;
  const loaded = loadContext(flags);
  const name = knownSource(loaded, source);
  const config = loaded.config.sources[name]!;
  if (!config.cursor_column)
    throw new UsageError(`source ${name} has no cursor_column: only incremental runs read a watermark`);
  const texts = flags.watermark.split(',');
  // The count is checked before connecting; the values once the probe has the columns' types.
  const count = wm.countProblem(texts.length, [config.cursor_column, ...config.primary_key]);
  if (count) throw new UsageError(count);
  const store = stateStore(loaded);
  refusePending(store.read(name).pending, name, flags.fresh);

  const connections = new ConnectionSet(loaded.config.connections, loaded.root);
  try {
    const { conn, plan } = await incrementalPlan(loaded, connections, name);
    const typed = wm.typedPosition(texts, plan, conn.dialect);
    if (!typed.ok) throw new UsageError(typed.problem);
    const watermark = typed.watermark;
    const text = wm.describePosition(watermark, plan);
    const warning = await wm.watermarkAhead(conn, plan, watermark);
    if (warning && !flags.json) out(`warning: ${name}: ${warning}`);
    // Without a terminal the command proceeds: the command line names the exact new value.
    if (!(await confirmed(flags, io, `Set the watermark of ${name} to ${text}?`, undefined))) {
      out('Nothing changed.');
      return ExitCode.Success;
    }
    const lock = lockSource(store.directory, name, 'state-set');
    let before: SourceState;
    let digests: number | undefined;
    try {
      before = store.read(name);
      refusePending(before.pending, name, flags.fresh);
      const recent = await wm.windowDigests(conn, plan, watermark, lookbackFor(loaded, plan));
      digests = recent?.length;
      // max_key is dropped: it stood for the rows the old watermark had passed, and after a jump
      // forward the next run would count the rows skipped as late. That run records it afresh.
      const { max_key: _maxKey, pending: _pending, ...kept } = before;
      const set: SetWatermark = { ...watermark, set_by: 'state set', set_at: new Date().toISOString() };
      await store.write({ ...kept, watermark: set, recent });
    } finally {
      lock.release();
    }
    const dropped = flags.fresh ? before.pending : undefined;
    const previous = before.watermark ? wm.describePosition(before.watermark, plan) : undefined;
    if (flags.json)
      out(
        JSON.stringify({
          source: name,
          watermark: { ...watermark, text },
          previous: before.watermark ? { ...before.watermark, text: previous } : null,
          lookback_digests: digests ?? null,
          dropped_unfinished_run: dropped ? droppedRun(dropped) : null,
          warning: warning ?? null,
        }),
      );
    else {
      out(`${name}: watermark set to ${text}${previous ? ` (was ${previous})` : ''}`);
      const window = `; the ${formatCount(digests ?? 0)} rows of the lookback window behind it count as delivered`;
      out(`The next incremental run reads the rows after it${digests === undefined ? '' : window}.`);
      if ((config.mode ?? loaded.config.extraction.default_mode) !== 'incremental')
        out(
          `note: ${name} runs in full mode by default; the watermark applies to its --mode incremental runs`,
        );
      if (dropped) out(droppedLine(droppedRun(dropped)));
    }
    return ExitCode.Success;
  } finally {
    await connections.closeAll();
  }
}

/** `state reset <sources…>`: asks on a terminal; without one, refused (exit 2) unless --yes. */
export async function stateResetCommand(
  sources: string[],
  flags: StateResetFlags,
  io: StateIo = {},
): Promise<number> {
  const out = io.out ?? stdout;
  const loaded = loadContext(flags);
  const names = [...new Set(sources.flatMap((s) => s.split(',')).map((s) => knownSource(loaded, s.trim())))];
  const list = names.join(', ');
  // A scheduled script must say so: forgetting a watermark re-reads a whole source.
  const noTerminal = `state reset forgets the watermark of ${list} and asks first, but there is no terminal to ask on: pass --yes`;
  const question = `Reset the watermark of ${list}? The next incremental run reads ${names.length === 1 ? 'it' : 'each'} from the beginning.`;
  if (!(await confirmed(flags, io, question, noTerminal))) {
    out('Nothing changed.');
    return ExitCode.Success;
  }
  const store = stateStore(loaded);
  const results: ResetResult[] = [];
  for (const name of names) {
    const lock = lockSource(store.directory, name, 'state-reset');
    try {
      results.push(await resetOne(store, name));
    } finally {
      lock.release();
    }
  }
  if (flags.json) out(JSON.stringify({ sources: results }));
  else for (const r of results) out(resetLine(r));
  return ExitCode.Success;
}

interface ResetResult {
  source: string;
  reset: boolean;
  last_run: string | null;
  /** The unfinished run dropped; its directory stays on disk. */
  dropped_unfinished_run: RunRef | null;
  /** Where an unreadable state file was moved. */
  moved_aside: string | null;
}

async function resetOne(store: StateStore, name: string): Promise<ResetResult> {
  const result: ResetResult = {
    source: name,
    reset: false,
    last_run: null,
    dropped_unfinished_run: null,
    moved_aside: null,
  };
  let state: KeptState;
  try {
    state = store.read(name);
  } catch (e) {
    if (!(e instanceof StateError)) throw e;
    // Nothing in an unreadable file can be kept; it is moved aside for whoever wants to look.
    const aside = `${store.file(name)}.unreadable`;
    renameSync(store.file(name), aside);
    return { ...result, reset: true, moved_aside: shownPath(aside) };
  }
  const { watermark, recent, max_key, pending, ...kept } = state;
  result.last_run = kept.last_run?.run_id ?? null;
  if (!watermark && !recent && !max_key && !pending) return result;
  await store.write({ ...kept, reset_at: new Date().toISOString() } as KeptState);
  return { ...result, reset: true, dropped_unfinished_run: pending ? droppedRun(pending) : null };
}

function resetLine(r: ResetResult): string {
  if (r.moved_aside)
    return `${r.source}: the state file was unreadable and is moved to ${r.moved_aside}; the next incremental run reads from the beginning`;
  if (!r.reset) return `${r.source}: no watermark to reset`;
  const kept = r.last_run ? ` Last run ${r.last_run} is kept.` : '';
  const dropped = r.dropped_unfinished_run ? ` ${droppedLine(r.dropped_unfinished_run)}` : '';
  return `${r.source}: watermark reset; the next incremental run reads from the beginning.${kept}${dropped}`;
}

/** An unfinished run as printed: its directory relative to where the user stands. */
interface RunRef {
  run_id: string;
  parts: number;
  directory: string;
}

const droppedRun = (p: PendingRun): RunRef => ({
  run_id: p.run_id,
  parts: p.parts.length,
  directory: shownPath(p.directory),
});

const droppedLine = (d: RunRef) =>
  `The unfinished run ${d.run_id} is dropped; its ${formatCount(d.parts)} committed parts stay in ${d.directory} (remove it if unwanted).`;

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
  const shown: ShownState = {
    source: name,
    watermark: s.watermark ? { ...s.watermark, text: wm.describePosition(s.watermark) } : null,
    lookback_digests: s.recent?.length ?? 0,
    max_key: s.max_key ? { ...s.max_key, text: wm.describePosition(s.max_key) } : null,
    unfinished_run: p ? { ...droppedRun(p), mode: p.mode, rows: p.rows, started_at: p.started_at } : null,
    last_run: s.last_run ?? null,
    ...(s.reset_at ? { reset_at: s.reset_at } : {}),
  };
  if (!check || !s.watermark || !loaded.config.sources[name]!.cursor_column) return shown;
  try {
    const { conn, plan } = await incrementalPlan(loaded, connections, name);
    shown.watermark!.text = wm.describePosition(s.watermark, plan);
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

/**
 * --yes, or the person at the terminal says yes. Without a terminal: proceed when `noTerminal` is
 * undefined, else refuse with it (exit 2).
 */
async function confirmed(
  flags: { yes?: boolean },
  io: StateIo,
  question: string,
  noTerminal: string | undefined,
): Promise<boolean> {
  if (flags.yes) return true;
  const ask = 'ask' in io ? io.ask : terminalAsk();
  if (ask) return ask(question);
  if (noTerminal) throw new UsageError(noTerminal);
  return true;
}

function refusePending(p: PendingRun | undefined, source: string, fresh: boolean | undefined): void {
  if (!p || fresh) return;
  throw new UsageError(
    `source ${source} has an unfinished ${p.mode} run ${p.run_id} (${formatCount(p.parts.length)} parts, ${formatCount(p.rows)} rows committed): finish it first (\`moh-etl extract --sources ${source}\` resumes it), or pass --fresh to drop it (its files stay in ${shownPath(p.directory)})`,
  );
}

/** The source's incremental plan (its keyset columns and their types), failing as a user's error. */
async function incrementalPlan(
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

function knownSource(loaded: LoadedConfig, name: string): string {
  const names = Object.keys(loaded.config.sources);
  if (Object.hasOwn(loaded.config.sources, name)) return name;
  throw new UsageError(`unknown source "${name}"${didYouMean(name, names)} (valid: ${names.join(', ')})`);
}

const stateStore = (loaded: LoadedConfig) =>
  new StateStore(path.resolve(loaded.root, loaded.config.extraction.state_dir));

/** A yes/no question on the terminal (on stderr, so --json output stays clean); undefined without one. */
function terminalAsk(): Ask | undefined {
  if (!process.stdin.isTTY) return undefined;
  return (question) =>
    new Promise((resolve) => {
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      let answer = false;
      rl.on('close', () => resolve(answer));
      rl.question(`${question} [y/N] `, (text) => {
        answer = /^y(es)?$/i.test(text.trim());
        rl.close();
      });
    });
}
