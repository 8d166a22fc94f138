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
