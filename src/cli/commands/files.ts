/**
 * `moh-etl files <source> [--run ID | --latest | --all] [--json]`: the files a run wrote, for the
 * analyst or script that wants "yesterday's attendances" without walking data/raw by hand.
 *
 * Complete runs only (manifest present), with each file's rows, bytes and sha256 from the manifest;
 * the unfinished run the state names is shown as "unfinished (resumable)" with its committed parts.
 * A run that resumed another wrote into that run's directory under that run's id, so either id
 * finds the files, and the listing says which runs wrote them. The processed dataset's current
 * version says whether the run's rows are in it.
 */
import path from 'node:path';
import type { LoadedConfig } from '../../config/load.js';
import { didYouMean } from '../../config/suggest.js';
import { ExitCode, StateError, UsageError } from '../../errors.js';
import { StateStore, type PendingRun } from '../../extract/state.js';
import { openDatasetStore } from '../../load/store.js';
import { readVersionMeta } from '../../load/version.js';
import { resumptions, sourceRuns, type Resumptions, type SourceRun } from '../../write/run-files.js';
import { loadContext } from '../context.js';
import type { CommonFlags } from '../options.js';
import { formatCount, shownPath, stdout, table, type Out } from '../print.js';

export interface FilesFlags extends CommonFlags {
  /** This run (its own id, or the id of a run that resumed it). */
  run?: string;
  /** The newest complete run (the default). */
  latest?: boolean;
  /** Every complete run, newest first, and the unfinished one. */
  all?: boolean;
  json?: boolean;
}

/** A run as `files` prints it (also its --json shape): paths relative to the working directory. */
interface ListedRun extends Omit<SourceRun, 'files' | 'manifest' | 'directory' | 'problem'> {
  directory: string;
  manifest: string | null;
  /** The runs whose records show them writing into this directory after it stopped, oldest first. */
  resumed_by: string[];
  /** The processed dataset's version that first took this run's rows (load phase), if any. */
  loaded_in: string | null;
  files: { path: string; rows: number; bytes: number; sha256: string }[];
}

interface DatasetView {
  directory: string;
  version: string | null;
  rows?: number;
  created_at?: string;
  /** Why the current version could not be read. */
  problem?: string;
}

export function filesCommand(source: string, flags: FilesFlags, out: Out = stdout): number {
  const loaded = loadContext(flags);
  const names = Object.keys(loaded.config.sources);
  if (!Object.hasOwn(loaded.config.sources, source))
    throw new UsageError(
      `unknown source "${source}"${didYouMean(source, names)} (valid: ${names.join(', ')})`,
    );
  if ([flags.run !== undefined, flags.latest, flags.all].filter(Boolean).length > 1)
    throw new UsageError('--run, --latest and --all each choose the runs shown: give one');

  const outputDir = path.resolve(loaded.root, loaded.config.output.directory);
  const { pending, stateProblem } = unfinished(loaded, source);
  const runs = sourceRuns(outputDir, source, pending);
  // A run is resumed only by later runs: for the newest runs, the records since the older of them.
  const newest = [runs.find((r) => r.status === 'complete')?.run_id, pending?.run_id].filter((id) => !!id);
  const since = flags.all || flags.run !== undefined ? '' : (newest.sort()[0] ?? '');
  const resumed = resumptions(loaded.root, source, since);
  const dataset = datasetView(loaded, source);
  const chosen = choose(runs, resumed, flags, source);
  const listed = chosen.map((r) => listRun(r, resumed, dataset.loadedIn));
  const open = runs.find((r) => r.status === 'unfinished');
  const incomplete = runs.filter((r) => r.status === 'incomplete').map((r) => r.run_id);
  const asked = flags.run !== undefined && resumed.resumed.get(flags.run);

  if (flags.json) {
    out(
      JSON.stringify({
        source,
        output_directory: shownPath(outputDir),
        ...(flags.run !== undefined ? { requested: flags.run, resumed_into: asked || null } : {}),
        runs: listed,
        unfinished: open && !chosen.includes(open) ? listRun(open, resumed, dataset.loadedIn) : null,
        incomplete,
        dataset: dataset.view,
        ...(stateProblem ? { state_problem: stateProblem } : {}),
      }),
    );
    return ExitCode.Success;
  }
  if (asked) out(`Run ${flags.run} resumed run ${asked}: its files are in ${asked}'s directory.`);
  if (listed.length === 0) out(`${source}: no complete run under ${shownPath(outputDir)}.`);
  listed.forEach((r, i) => {
    if (i > 0) out('');
    printRun(source, r, dataset.view, out);
  });
  if (open && !chosen.includes(open))
    out(
      `unfinished (resumable): run ${open.run_id}, ${formatCount(open.files.length)} committed files, ${formatCount(open.rows)} rows in ${shownPath(open.directory)}; \`moh-etl extract --sources ${source}\` resumes it`,
    );
  if (flags.all && incomplete.length)
    out(
      `not listed: ${incomplete.length} run director${incomplete.length === 1 ? 'y' : 'ies'} without a manifest (runs that stopped and were discarded): ${incomplete.join(', ')}`,
    );
  if (stateProblem) out(`warning: ${stateProblem}`);
  return ExitCode.Success;
}

/** The runs asked for: `--run ID`, every complete one and the unfinished one (`--all`), or the newest complete. */
function choose(runs: SourceRun[], resumed: Resumptions, flags: FilesFlags, source: string): SourceRun[] {
  if (flags.all) return runs.filter((r) => r.status !== 'incomplete');
  if (flags.run === undefined) return runs.filter((r) => r.status === 'complete').slice(0, 1);
  const id = resumed.resumed.get(flags.run) ?? flags.run;
  const run = runs.find((r) => r.run_id === id);
  if (run) return [run];
  const known = [...runs.map((r) => r.run_id), ...resumed.resumed.keys()];
  const newest = runs
    .slice(0, 5)
    .map((r) => r.run_id)
    .join(', ');
  throw new UsageError(
    `run "${flags.run}" wrote no files of ${source}${didYouMean(flags.run, known)}${newest ? ` (newest: ${newest})` : ' (it has no runs yet)'}`,
  );
}

function listRun(r: SourceRun, resumed: Resumptions, loadedIn: Map<string, string>): ListedRun {
  const { files, manifest, directory, problem: _problem, ...rest } = r;
  const writers = [r.run_id, ...(resumed.resumedBy.get(r.run_id) ?? [])];
  return {
    ...rest,
    directory: shownPath(directory),
    manifest: manifest ? shownPath(manifest) : null,
    resumed_by: resumed.resumedBy.get(r.run_id) ?? [],
    loaded_in: writers.map((id) => loadedIn.get(id)).find((v) => v !== undefined) ?? null,
    files: files.map((f) => ({ ...f, path: shownPath(f.path) })),
  };
}

function printRun(source: string, r: ListedRun, dataset: DatasetView | null, out: Out): void {
  const status = r.status === 'unfinished' ? 'unfinished (resumable)' : r.status;
  const when = r.finished_at ? `finished ${r.finished_at}` : r.started_at ? `started ${r.started_at}` : '';
  out(
    `${source}: run ${r.run_id}, ${status}, ${[r.mode, `${formatCount(r.rows)} rows`, when].filter(Boolean).join(', ')}`,
  );
  if (r.resumed_by.length)
    out(
      `  written by run ${r.run_id}, resumed by run ${r.resumed_by.join(', then ')} (the files keep the first id)`,
    );
  table(
    [
      ['file', 'rows', 'bytes', 'sha256'],
      ...r.files.map((f) => [f.path, formatCount(f.rows), formatCount(f.bytes), f.sha256]),
    ],
    out,
  );
  if (r.manifest) out(`manifest: ${r.manifest}`);
  const loaded = r.loaded_in ? `loaded in version ${r.loaded_in}` : 'not loaded';
  if (dataset?.problem) out(`processed dataset ${dataset.directory}: unreadable (${dataset.problem})`);
  else if (dataset?.version)
    out(
      `processed dataset ${dataset.directory}: version ${dataset.version} (${formatCount(dataset.rows ?? 0)} rows, ${dataset.created_at}); this run: ${loaded}`,
    );
}

/** The state's unfinished run; an unreadable state file is a warning here, not a failure. */
function unfinished(loaded: LoadedConfig, source: string): { pending?: PendingRun; stateProblem?: string } {
  try {
    const store = new StateStore(path.resolve(loaded.root, loaded.config.extraction.state_dir));
    return { pending: store.read(source).pending };
  } catch (e) {
    if (!(e instanceof StateError)) throw e;
    return { stateProblem: `${e.message}: an unfinished run, if any, is not shown` };
  }
}

/**
 * The processed dataset's current version (load/store.ts), and for each run the version that took
 * its rows: the first version listing it (a merge lists only the runs it merged).
 */
function datasetView(
  loaded: LoadedConfig,
  source: string,
): { view: DatasetView | null; loadedIn: Map<string, string> } {
  const store = openDatasetStore(loaded.config.load, loaded.root);
  const directory = shownPath(store.datasetDirectory(source));
  const loadedIn = new Map<string, string>();
  try {
    for (const v of store.versions(source))
      for (const id of readVersionMeta(source, v.path).run_ids ?? [])
        if (!loadedIn.has(id)) loadedIn.set(id, v.version);
    const meta = store.current(source);
    if (!meta) return { view: null, loadedIn };
    return {
      view: { directory, version: meta.version, rows: meta.rows, created_at: meta.created_at },
      loadedIn,
    };
  } catch (e) {
    return { view: { directory, version: null, problem: (e as Error).message }, loadedIn };
  }
}
