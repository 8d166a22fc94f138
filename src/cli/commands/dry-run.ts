/**
 * `--dry-run`: for each source, the first batch's SQL with its bindings, the number of rows it would
 * read (a COUNT over the same range) and where the files would go. Reads the source; writes nothing.
 */
import path from 'node:path';
import type { LoadedConfig } from '../../config/load.js';
import type { ExtractionMode, OutputFormat } from '../../config/schema.js';
import { ConnectionSet } from '../../db/connection.js';
import { ExitCode } from '../../errors.js';
import { todayIn, type DateRange } from '../../extract/date-range.js';
import { batchQuery, countQuery } from '../../extract/keyset.js';
import { bounded, planSource, sourceRequest, usablePosition } from '../../extract/plan.js';
import { highWaterMark } from '../../extract/high-water.js';
import { parseDuration } from '../../config/duration.js';
import { StateStore } from '../../extract/state.js';
import { partFileName, runDirectory } from '../../write/layout.js';
import { writerFor } from '../../write/registry.js';
import type { WriterSpec } from '../../write/writer.js';
import { asUserError } from '../../pipeline/failure.js';
import { formatCount, shownPath, type Out } from '../print.js';
import type { AdhocRequest } from '../../pipeline/adhoc.js';
import type { OutputTarget } from '../../pipeline/adhoc-output.js';
import type { AdhocPlan } from '../../pipeline/adhoc-plan.js';
import { oneStatementQuery } from '../../pipeline/adhoc-run.js';

export interface DryRunRequest {
  sources: string[];
  range?: DateRange;
  mode?: ExtractionMode;
  formats?: OutputFormat[];
}

export async function dryRun(loaded: LoadedConfig, req: DryRunRequest, out: Out): Promise<number> {
  const { config, root } = loaded;
  const connections = new ConnectionSet(config.connections, root);
  const store = new StateStore(path.resolve(root, config.extraction.state_dir));
  const specs = (req.formats ?? config.output.formats).map(writerFor);
  try {
    for (const name of req.sources) {
      const source = config.sources[name]!;
      try {
        await dryRunSource(loaded, req, name, connections, store, specs, out);
      } catch (e) {
        const context = { connection: source.connection, source: name, template: source.query ?? name };
        throw asUserError(
          e,
          { ...context, queriesFile: shownPath(loaded.queriesFile) },
          connections.dialectOf(source.connection),
        );
      }
    }
  } finally {
    await connections.closeAll();
  }
  out('Dry run: nothing was written.');
  return ExitCode.Success;
}

async function dryRunSource(
  loaded: LoadedConfig,
  req: DryRunRequest,
  name: string,
  connections: ConnectionSet,
  store: StateStore,
  specs: WriterSpec[],
  out: Out,
): Promise<void> {
  const { config, root } = loaded;
  const source = config.sources[name]!;
  const conn = connections.get(source.connection);
  const base = await planSource(
    conn,
    sourceRequest(loaded, name, req.mode ?? source.mode ?? config.extraction.default_mode, req.range),
  );
  const state = store.read(name);
  const highWater =
    base.cursor && base.mode === 'incremental'
      ? await highWaterMark(
          conn,
          base.template,
          base.cursor.name,
          base.cursor.type,
          parseDuration(config.extraction.settle_lag) ?? 0,
          source.timezone ?? config.extraction.timezone,
        )
      : undefined;
  const plan = bounded(conn, base, highWater);
  const start =
    state.pending?.position ??
    (plan.mode === 'incremental' ? usablePosition(plan, state.watermark) : undefined);
  const bound = start?.values.map((v, i) => conn.dialect.keyBinding(v, plan.orderTypes[i]!));
  const first = batchQuery(conn.dialect, plan, bound, start?.columns);
  const count = countQuery(conn.dialect, plan, bound, start?.columns);
  const counted = await conn.dialect.query(conn.knex, count.sql, count.bindings);
  const dir = runDirectory(
    path.resolve(root, config.output.directory),
    name,
    todayIn(config.extraction.timezone),
    '<run_id>',
  );
  const from = state.pending
    ? `, resuming unfinished run ${state.pending.run_id}`
    : start
      ? ', after the stored watermark'
      : '';
  out(`-- ${name} (connection ${conn.name}, ${conn.dialect.name}, mode ${plan.mode}${from})`);
  if (plan.note) out(`-- note: ${plan.note}`);
  out(first.sql.trim());
  out(
    `-- bindings: ${JSON.stringify(first.bindings, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}`,
  );
  out(
    `-- rows to read (estimate: COUNT now, from the start position shown above, within the bounds): ${formatCount(Number(counted.rows[0]?.[0] ?? 0))}`,
  );
  for (const spec of specs) out(`-- output: ${shownPath(path.join(dir, partFileName(0, spec.extension)))}`);
  out('');
}

/**
 * The dry run of an ad-hoc extraction: the first statement with its `?` placeholders and the values
 * bound to them (never spliced), a COUNT of the rows it would read, and where they would go.
 */
export async function adhocDryRun(
  loaded: LoadedConfig,
  { conn, plan, notes }: AdhocPlan,
  req: AdhocRequest,
  target: OutputTarget,
  out: Out,
): Promise<number> {
  const first = plan.orderColumns.length
    ? batchQuery(conn.dialect, plan, undefined)
    : oneStatementQuery(plan, conn.dialect, req.limit!);
  const count = countQuery(conn.dialect, plan);
  const counted = Number((await conn.dialect.query(conn.knex, count.sql, count.bindings)).rows[0]?.[0] ?? 0);
  const what = req.source ? `source ${req.source}` : '--sql';
  const read = plan.range ? `date range ${plan.range.start} to ${plan.range.end}` : 'read in full';
  out(
    `-- ${req.name} (ad hoc: ${what}; connection ${conn.name}, ${conn.dialect.name}; ${read}; no state is read or written)`,
  );
  for (const n of notes) out(`-- note: ${n}`);
  out(first.sql.trim());
  out(
    `-- bindings: ${JSON.stringify(first.bindings, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}`,
  );
  const shown = req.limit === undefined ? counted : Math.min(counted, req.limit);
  out(
    `-- rows to read (COUNT now${req.limit === undefined ? '' : `, at most --limit ${formatCount(req.limit)}`}): ${formatCount(shown)}`,
  );
  for (const line of outputLines(loaded, req, target)) out(`-- output: ${line}`);
  out('');
  out('Dry run: nothing was written.');
  return ExitCode.Success;
}

function outputLines(loaded: LoadedConfig, req: AdhocRequest, target: OutputTarget): string[] {
  if (target.kind === 'stdout') return ['standard output (CSV)'];
  if (target.kind === 'file') return [shownPath(target.path)];
  const dir = runDirectory(
    target.directory,
    req.name,
    todayIn(loaded.config.extraction.timezone),
    '<run_id>',
  );
  return target.formats.map((f) => shownPath(path.join(dir, partFileName(0, writerFor(f).extension))));
}
