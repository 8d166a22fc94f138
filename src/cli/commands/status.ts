/** `moh-etl status`: each source's watermark and last run, and the most recent runs. */
import path from 'node:path';
import { ExitCode } from '../../errors.js';
import { StateStore } from '../../extract/state.js';
import { recentSummaries } from '../../pipeline/summary.js';
import { loadContext } from '../context.js';
import type { CommonFlags } from '../options.js';
import { formatCount, stdout, table, type Out } from '../print.js';

export function statusCommand(flags: CommonFlags, out: Out = stdout): number {
  const loaded = loadContext(flags);
  const store = new StateStore(path.resolve(loaded.root, loaded.config.extraction.state_dir));
  const rows = [['source', 'watermark', 'last run', 'status', 'rows', 'finished', 'unfinished run']];
  for (const name of Object.keys(loaded.config.sources)) {
    const s = store.read(name);
    const wm = s.watermark
      ? s.watermark.columns.map((c, i) => `${c}=${String(s.watermark!.values[i])}`).join(' ')
      : '-';
    const last = s.last_run;
    rows.push([
      name,
      wm,
      last?.run_id ?? 'never',
      last?.status ?? '-',
      last ? formatCount(last.rows) : '-',
      last?.finished_at ?? '-',
      s.pending
        ? `${s.pending.run_id} (${s.pending.parts.length} parts, ${formatCount(s.pending.rows)} rows)`
        : '-',
    ]);
  }
  table(rows, out);
  const runs = recentSummaries(loaded.root, 5);
  if (runs.length > 0) {
    out('');
    out('Recent runs:');
    table(
      [
        ['run', 'command', 'status', 'sources', 'rows'],
        ...runs.map((r) => [
          r.run_id,
          r.command,
          r.status,
          String(r.sources.length),
          formatCount(r.sources.reduce((n, x) => n + x.rows, 0)),
        ]),
      ],
      out,
    );
  }
  return ExitCode.Success;
}
