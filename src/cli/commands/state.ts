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
import { createInterface } from 'node:readline';
import type { LoadedConfig } from '../../config/load.js';
import { ConnectionSet } from '../../db/connection.js';
import { ExitCode, StateError, UsageError } from '../../errors.js';
import { lockSource } from '../../extract/lock.js';
import { StateStore, type PendingRun, type SourceState, type Watermark } from '../../extract/state.js';
import * as wm from '../../extract/watermark-text.js';
import { withSession } from '../session.js';
import {
  droppedLine,
  droppedRun,
  incrementalPlan,
  knownSource,
  maskedColumns,
  stateStore,
  type KeptState,
  type RunRef,
} from './state-common.js';
import { lookbackFor } from '../../pipeline/start-run.js';
import { loadContext } from '../context.js';
import type { CommonFlags } from '../options.js';
import { formatCount, shownPath, stdout, type Out } from '../print.js';

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

export { stateShowCommand, type StateShowFlags } from './state-show.js';

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

/** `state set <source> --watermark v[,v…]`: exit 2 for a malformed value or an unfinished run. */
export async function stateSetCommand(
  source: string,
  flags: StateSetFlags,
  io: StateIo = {},
): Promise<number> {
  const loaded = loadContext(flags);
  // A watermark changed by hand is in the audit log: who, when, exit code (its value as a digest).
  return withSession(loaded, flags, 'state set', async () => ({
    exitCode: await setWatermark(loaded, source, flags, io),
  }));
}

async function setWatermark(
  loaded: LoadedConfig,
  source: string,
  flags: StateSetFlags,
  io: StateIo,
): Promise<number> {
  const out = io.out ?? stdout;
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
    // The person typed the value; the screen (and a recorded terminal) shows it masked all the same.
    const pii = maskedColumns(loaded, name);
    const text = wm.describePosition(watermark, plan, pii);
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
    const previous = before.watermark ? wm.describePosition(before.watermark, plan, pii) : undefined;
    if (flags.json)
      out(
        JSON.stringify({
          source: name,
          watermark: { ...wm.maskedPosition(watermark, pii), text },
          previous: before.watermark ? { ...wm.maskedPosition(before.watermark, pii), text: previous } : null,
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
  return withSession(loaded, flags, 'state reset', async () => ({
    exitCode: await resetAll(loaded, names, flags, out),
  }));
}

async function resetAll(
  loaded: LoadedConfig,
  names: string[],
  flags: StateResetFlags,
  out: Out,
): Promise<number> {
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
