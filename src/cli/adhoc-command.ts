/**
 * `moh-etl extract` with ad-hoc flags: a statement typed on the command line, or one configured
 * source narrowed, extracted once to standard output, a file or a directory, without touching any
 * source's state. Everything the user typed is checked before a connection is opened (the statement
 * is one read-only SELECT, the bindings match the `--param` values, the output can be written);
 * the columns are checked by a zero-row probe before any row is read. Logs open only then, so a
 * refused command writes nothing at all.
 */
import path from 'node:path';
import type { Writable } from 'node:stream';
import type { LoadedConfig } from '../config/load.js';
import { ConnectionSet } from '../db/connection.js';
import { dialectFor } from '../db/registry.js';
import { ExitCode, isMohEtlError } from '../errors.js';
import type { Logger } from '../observe/logger.js';
import { checkAdhocStatement, requireKey, type AdhocRequest } from '../pipeline/adhoc.js';
import { checkWritable, outputTarget, type OutputTarget } from '../pipeline/adhoc-output.js';
import { adhocFailure, planAdhoc, type AdhocPlan } from '../pipeline/adhoc-plan.js';
import { runAdhoc, type AdhocOutcome } from '../pipeline/adhoc-run.js';
import { newRunId } from '../pipeline/run-id.js';
import { RECORD_VERSION, type RunSummary } from '../pipeline/summary.js';
import { adhocRequest } from './adhoc-options.js';
import { withAdhocSession, type AdhocSessionResult } from './adhoc-session.js';
import { loadContext } from './context.js';
import { adhocDryRun } from './commands/dry-run.js';
import { resolveFormats, type ExtractFlags } from './options.js';
import { formatCount, formatDuration, shownPath, stdout, type Out } from './print.js';
import { stopSignal } from './signals.js';

/** What the run record says about an ad-hoc run: its shape, never a value it was asked for. */
export interface AdhocRecordFields {
  adhoc: {
    /** The configured source it derives from; absent for `--sql`. */
    source?: string;
    connection: string;
    key: string[];
    select?: string[];
    where: boolean;
    /** The names of the bound values (the values are not recorded). */
    params: string[];
    limit?: number;
    output: OutputTarget['kind'];
  };
}

export type AdhocRecord = RunSummary & AdhocRecordFields;

export interface AdhocStreams {
  /** Summary lines (default: stdout; with `--stdout` they go to `err`). */
  out?: Out;
  err?: Out;
  /** Where `--stdout` rows go (default process.stdout). */
  rows?: Writable;
}

export async function adhocExtractCommand(flags: ExtractFlags, streams: AdhocStreams = {}): Promise<number> {
  const loaded = loadContext(flags);
  const req = adhocRequest(loaded, flags);
  const target = outputTarget(loaded, { ...flags, formats: resolveFormats(flags.format) });
  const connection = loaded.config.connections[req.connection]!;
  const sql = checkAdhocStatement(req, connection.client, dialectFor(connection));
  requireKey(req, loaded.config.extraction.batch_size);
  if (!flags.dryRun) checkWritable(target);
  const err = streams.err ?? ((line: string) => process.stderr.write(line + '\n'));
  const out = target.kind === 'stdout' ? err : (streams.out ?? stdout);

  let log: Logger | undefined;
  const connections = new ConnectionSet(loaded.config.connections, loaded.root, {
    warn: (m) => log?.warn(m),
    debug: (m) => log?.debug(m),
  });
  try {
    const planned = await planAdhoc(loaded, connections, req, sql);
    if (flags.dryRun) return await adhocDryRun(loaded, planned, req, target, streams.out ?? stdout);
    return await withAdhocSession(loaded, flags, async (opened) => {
      log = opened;
      return execute(loaded, req, target, planned, flags, { out, rows: streams.rows }, opened);
    });
  } finally {
    await connections.closeAll();
  }
}

async function execute(
  loaded: LoadedConfig,
  req: AdhocRequest,
  target: OutputTarget,
  planned: AdhocPlan,
  flags: ExtractFlags,
  streams: { out: Out; rows?: Writable },
  log: Logger,
): Promise<AdhocSessionResult> {
  const runId = newRunId();
  const started = new Date();
  let outcome: AdhocOutcome;
  try {
    const signal = stopSignal();
    outcome = await runAdhoc(
      loaded,
      req,
      target,
      planned,
      { runId, started, signal, stream: streams.rows },
      log,
    );
  } catch (e) {
    // The reader of a pipe went away (`| head`): it has what it wanted.
    if ((e as NodeJS.ErrnoException).code === 'EPIPE') return { exitCode: ExitCode.Success };
    const flag = req.where !== undefined ? '--where' : req.source ? undefined : '--sql';
    throw isMohEtlError(e) ? e : adhocFailure(e, loaded, req, flag, planned.conn.dialect);
  }
  const record = adhocRecord(req, target, planned, outcome, runId, started);
  if (flags.json) streams.out(JSON.stringify({ type: 'summary', ...record }));
  else printAdhocSummary(record, target, streams.out);
  return { exitCode: ExitCode.Success, record, files: target.kind === 'file' ? outcome.files : undefined };
}

function adhocRecord(
  req: AdhocRequest,
  target: OutputTarget,
  { plan, notes }: AdhocPlan,
  outcome: AdhocOutcome,
  runId: string,
  started: Date,
): AdhocRecord {
  const finished = new Date();
  const duration = finished.getTime() - started.getTime();
  return {
    record_version: RECORD_VERSION,
    run_id: runId,
    command: 'extract',
    trigger: 'cli',
    status: 'succeeded',
    exit_code: ExitCode.Success,
    started_at: started.toISOString(),
    finished_at: finished.toISOString(),
    duration_ms: duration,
    ...(req.range ? { range: req.range } : {}),
    sources: [
      {
        source: req.name,
        run_id: runId,
        status: 'succeeded',
        mode: plan.mode,
        rows: outcome.rows,
        files: outcome.files.map((f) => f.path),
        ...(outcome.manifest ? { manifest: outcome.manifest } : {}),
        duration_ms: duration,
        ...(notes.length ? { note: notes.join('; ') } : {}),
        ...(outcome.warnings.length ? { warnings: outcome.warnings } : {}),
      },
    ],
    adhoc: {
      ...(req.source ? { source: req.source } : {}),
      connection: req.connection,
      key: req.key,
      ...(req.select ? { select: req.select } : {}),
      where: req.where !== undefined,
      params: Object.keys(req.params),
      ...(req.limit !== undefined ? { limit: req.limit } : {}),
      output: target.kind,
    },
  };
}

/** With `--stdout` only the notes and warnings are said (on stderr): the rows are the output. */
function printAdhocSummary(record: AdhocRecord, target: OutputTarget, out: Out): void {
  const r = record.sources[0]!;
  const remarks = () => {
    if (r.note) out(`note: ${r.note}`);
    for (const w of r.warnings ?? []) out(`warning: ${w}`);
  };
  if (target.kind === 'stdout') return remarks();
  const from = record.adhoc.source ? `source ${record.adhoc.source}` : `--sql on ${record.adhoc.connection}`;
  const range = record.range ? ` for ${record.range.start} to ${record.range.end}` : '';
  out(
    `Ad-hoc run ${record.run_id} (${r.source}: ${from}${range}): ${formatCount(r.rows)} rows in ${formatDuration(r.duration_ms)}`,
  );
  if (target.kind === 'file') out(`  ${shownPath(r.files[0]!)}`);
  if (target.kind === 'directory')
    out(
      `  ${shownPath(path.dirname(r.manifest!))}/ (${r.files.length} file${r.files.length === 1 ? '' : 's'} and ${path.basename(r.manifest!)})`,
    );
  remarks();
  out('Nothing was recorded as a run of a source: no watermark, checkpoint or run record changed.');
}
