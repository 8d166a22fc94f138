/**
 * `moh-etl shards merge <source> --run ID`: the shards of a run checked against their plan, then
 * published as one run, as if one process had extracted it.
 *
 * Checked, every problem collected before anything is published:
 * - every shard 0…n-1 has a manifest for this run and this plan (no shard missing or unfinished,
 *   none from another plan of the same run id);
 * - no gap, no overlap: each shard's parts lie inside its range of the plan (first key column of
 *   each part's first and last rows), in key order; the ranges tile the key by construction;
 * - counts reconcile: per format, the parts' rows add up to the shard's rows (each shard compared
 *   its rows with a COUNT of its range when it finished), and every part is the file its shard
 *   committed (size and sha256);
 * - the shards agree on the columns, the key and the mode.
 *
 * Published: the parts hard-linked (copied where the file system cannot link) into
 * `<output>/<source>/extract_date=<planned day>/<run_id>/` under run-wide part numbers, in key order,
 * then `_manifest.json` written last, as for any run; then the shards' directories are removed.
 * Running the merge again after a crash redoes the links; after success it only reports.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { copyFile, link, rm } from 'node:fs/promises';
import path from 'node:path';
import type { LoadedConfig } from '../config/load.js';
import { ReconciliationError, UsageError } from '../errors.js';
import { compareDecimals } from '../extract/lookback.js';
import type { StoredValue } from '../extract/state.js';
import {
  shardCommand,
  checkRunId,
  planDigest,
  readShardPlan,
  shardDirectory,
  shardsRoot,
  type ShardPlan,
} from '../extract/shard-plan.js';
import { ensureDirectory, syncDirectory, writeFileAtomic } from '../write/atomic.js';
import {
  MANIFEST_NAME,
  MANIFEST_VERSION,
  partFileName,
  runDirectory,
  type Manifest,
} from '../write/layout.js';

export interface MergeResult {
  source: string;
  run_id: string;
  shards: number;
  rows: number;
  /** The published run directory and its manifest. */
  directory: string;
  manifest: string;
  /** The run had been published by an earlier merge. */
  already?: boolean;
}

export async function mergeShards(loaded: LoadedConfig, source: string, runId: string): Promise<MergeResult> {
  const { config, root } = loaded;
  if (!Object.hasOwn(config.sources, source)) throw new UsageError(`unknown source "${source}"`);
  checkRunId(runId);
  const outputDir = path.resolve(root, config.output.directory);
  const plan = readShardPlan(outputDir, source, runId);
  const directory = runDirectory(outputDir, source, plan?.extract_date ?? '', runId);
  const published = plan && path.join(directory, MANIFEST_NAME);
  if (!plan || !published) return alreadyPublished(outputDir, source, runId);
  if (existsSync(published)) {
    const earlier = publishedRun(outputDir, source, runId)!;
    return finish(loaded, plan, earlier.manifest, directory, true);
  }

  const shards = plan.shards;
  const manifests: Manifest[] = [];
  const problems: string[] = [];
  for (let i = 0; i < shards; i++) {
    const dir = shardDirectory(outputDir, source, runId, { index: i, count: shards });
    const file = path.join(dir, MANIFEST_NAME);
    if (!existsSync(file)) {
      problems.push(`shard ${i}/${shards} has not finished (no manifest in ${dir})`);
      continue;
    }
    const manifest = readManifest(file);
    problems.push(...(await shardProblems(plan, i, manifest, dir)));
    manifests.push(manifest);
  }
  problems.push(...agreement(manifests));
  if (problems.length > 0) {
    const missing = problems.flatMap((p) => /^shard (\d+)\//.exec(p)?.[1] ?? []);
    throw new ReconciliationError(
      `sharded run ${runId} of "${source}" cannot be merged:\n  ${problems.join('\n  ')}`,
      {
        hint: missing.length
          ? `run ${[...new Set(missing)].map((i) => `\`${shardCommand(plan, i)}\``).join(', ')}, then merge again`
          : 'extract the run again under a new --run-id',
      },
    );
  }
  const merged = await publish(loaded, plan, manifests, directory);
  return finish(loaded, plan, merged, directory, false);
}

/** No plan: either the run was published (and its shards removed) or there is no such run. */
function alreadyPublished(outputDir: string, source: string, runId: string): MergeResult {
  const published = publishedRun(outputDir, source, runId);
  if (!published)
    throw new UsageError(
      `source "${source}" has no sharded run ${runId} (no plan in ${shardsRoot(outputDir, source, runId)})`,
      {
        hint: `start the shards with \`moh-etl extract --sources ${source} --mode full --shard i/n --run-id ${runId}\``,
      },
    );
  return {
    source,
    run_id: runId,
    shards: published.shards,
    rows: published.manifest.rows,
    directory: path.dirname(published.file),
    manifest: published.file,
    already: true,
  };
}

/** A merged run published under this id, if any. */
export interface PublishedRun {
  file: string;
  manifest: Manifest;
  shards: number;
}

/**
 * The run `shards merge` published under `runId`, if there is one. An ordinary (unsharded) run of
 * the same id is refused: its directory is not ours to publish into or to report as merged.
 */
export function publishedRun(outputDir: string, source: string, runId: string): PublishedRun | undefined {
  const base = path.join(outputDir, source);
  const day = existsSync(base)
    ? readdirSync(base).find(
        (d) => d.startsWith('extract_date=') && existsSync(path.join(base, d, runId, MANIFEST_NAME)),
      )
    : undefined;
  if (!day) return undefined;
  const file = path.join(base, day, runId, MANIFEST_NAME);
  const manifest = readManifest(file);
  if (manifest.shards === undefined)
    throw new UsageError(
      `run id ${runId} of source "${source}" already names a run that was not sharded (${path.dirname(file)})`,
      { hint: 'give the shards another --run-id' },
    );
  return { file, manifest, shards: manifest.shards };
}

async function shardProblems(plan: ShardPlan, i: number, m: Manifest, dir: string): Promise<string[]> {
  const at = `shard ${i}/${plan.shards}`;
  if (m.run_id !== plan.run_id || m.shard?.index !== i || m.shard.count !== plan.shards)
    return [
      `${at}: its manifest is not this shard's (run ${m.run_id}, shard ${m.shard?.index}/${m.shard?.count})`,
    ];
  if (m.shard.plan !== planDigest(plan))
    return [`${at}: it was extracted under another plan of run ${plan.run_id}`];
  const problems: string[] = [];
  const lower = i > 0 ? plan.bounds?.[i - 1] : undefined;
  const upper = plan.bounds && i < plan.bounds.length ? plan.bounds[i] : undefined;
  let previous: string | undefined;
  const rowsByFormat = new Map<string, number>();
  for (const part of m.parts) {
    const ext = path.extname(part.file);
    rowsByFormat.set(ext, (rowsByFormat.get(ext) ?? 0) + part.rows);
    const file = path.join(dir, part.file);
    const problem = await fileProblem(file, part.bytes, part.sha256);
    if (problem) problems.push(`${at}: ${part.file} is ${problem}`);
    const first = keyText(part.min_key?.[plan.column]);
    const last = keyText(part.max_key?.[plan.column]);
    if (first === undefined || last === undefined) continue;
    if (lower !== undefined && compareKeys(first, lower) < 0)
      problems.push(`${at}: ${part.file} starts below its range (overlap)`);
    if (upper !== undefined && compareKeys(last, upper) >= 0)
      problems.push(`${at}: ${part.file} ends above its range (overlap)`);
    if (!plan.bounds && i > 0) problems.push(`${at}: holds rows, but the plan gives it none`);
    if (ext === path.extname(m.parts[0]!.file)) {
      if (previous !== undefined && compareKeys(first, previous) < 0)
        problems.push(`${at}: ${part.file} is out of key order`);
      previous = last;
    }
  }
  if (m.rows > 0 && m.parts.length === 0)
    problems.push(`${at}: its manifest counts ${m.rows} rows and lists no part`);
  for (const [ext, rows] of rowsByFormat)
    if (rows !== m.rows)
      problems.push(`${at}: its ${ext} parts hold ${rows} rows, its manifest says ${m.rows}`);
  return problems;
}

/** The shards must describe the same data: columns, key, mode and formats. */
function agreement(manifests: readonly Manifest[]): string[] {
  const first = manifests[0];
  if (!first) return [];
  const shape = (m: Manifest) => JSON.stringify([m.columns, m.key_columns, m.mode, m.range ?? null]);
  const formats = (m: Manifest) => [...new Set(m.parts.map((p) => path.extname(p.file)))].sort().join();
  const withParts = manifests.find((m) => m.parts.length > 0);
  return manifests.flatMap((m) => [
    ...(shape(m) !== shape(first)
      ? [`shard ${m.shard?.index}: its columns, key or mode differ from shard ${first.shard?.index}'s`]
      : []),
    ...(withParts && m.parts.length > 0 && formats(m) !== formats(withParts)
      ? [`shard ${m.shard?.index}: its formats (${formats(m)}) differ from shard ${withParts.shard?.index}'s`]
      : []),
  ]);
}

/** Link every shard's parts into the run directory in key order, then write its manifest. */
async function publish(
  loaded: LoadedConfig,
  plan: ShardPlan,
  manifests: Manifest[],
  directory: string,
): Promise<Manifest> {
  const outputDir = path.resolve(loaded.root, loaded.config.output.directory);
  ensureDirectory(directory, 'output.directory');
  const parts: Manifest['parts'] = [];
  let index = -1;
  for (const m of manifests) {
    const dir = shardDirectory(outputDir, plan.source, plan.run_id, {
      index: m.shard!.index,
      count: plan.shards,
    });
    const numbers = new Map<string, number>();
    for (const part of m.parts) {
      const base = part.file.slice(0, part.file.length - path.extname(part.file).length);
      if (!numbers.has(base)) numbers.set(base, ++index);
      const file = partFileName(numbers.get(base)!, path.extname(part.file).slice(1));
      await linkOrCopy(path.join(dir, part.file), path.join(directory, file));
      parts.push({ ...part, file, range: m.shard!.index });
    }
  }
  const keep = new Set(parts.map((p) => p.file));
  for (const f of readdirSync(directory))
    if (!keep.has(f)) await rm(path.join(directory, f), { force: true, recursive: true });
  await syncDirectory(directory);
  const merged: Manifest = {
    manifest_version: MANIFEST_VERSION,
    run_id: plan.run_id,
    source: plan.source,
    mode: plan.mode,
    ...(plan.range ? { range: plan.range } : {}),
    rows: manifests.reduce((n, m) => n + m.rows, 0),
    started_at: manifests.map((m) => m.started_at).sort()[0] ?? plan.planned_at,
    finished_at: new Date().toISOString(),
    columns: manifests[0]?.columns ?? [],
    key_columns: manifests[0]?.key_columns ?? [plan.column],
    split: { column: plan.column, bounds: plan.bounds ?? [] },
    shards: plan.shards,
    parts,
  };
  const mode = Number.parseInt(loaded.config.output.file_mode, 8);
  await writeFileAtomic(path.join(directory, MANIFEST_NAME), JSON.stringify(merged, null, 2) + '\n', mode);
  return merged;
}

/** The published run's result; the shards' directories and states are removed (the links keep the data). */
async function finish(
  loaded: LoadedConfig,
  plan: ShardPlan,
  m: Manifest,
  directory: string,
  already: boolean,
): Promise<MergeResult> {
  const outputDir = path.resolve(loaded.root, loaded.config.output.directory);
  await rm(shardsRoot(outputDir, plan.source, plan.run_id), { recursive: true, force: true });
  await rm(path.resolve(loaded.root, loaded.config.extraction.state_dir, 'shards', plan.run_id), {
    recursive: true,
    force: true,
  });
  return {
    source: plan.source,
    run_id: plan.run_id,
    shards: plan.shards,
    rows: m.rows,
    directory,
    manifest: path.join(directory, MANIFEST_NAME),
    ...(already ? { already } : {}),
  };
}

async function linkOrCopy(from: string, to: string): Promise<void> {
  await rm(to, { force: true });
  try {
    await link(from, to);
  } catch (e) {
    // A file system without hard links (some network mounts): a copy, as safe, only slower.
    if (
      !['EXDEV', 'EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS'].includes((e as NodeJS.ErrnoException).code ?? '')
    )
      throw e;
    await copyFile(from, to);
  }
}

function readManifest(file: string): Manifest {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Manifest;
  } catch (e) {
    throw new ReconciliationError(`manifest ${file} is unreadable: ${(e as Error).message}`);
  }
}

const keyText = (v: StoredValue | undefined): string | undefined =>
  v === undefined || v === null ? undefined : String(v);

/** Canonical key values: numbers by value (exact), dates and timestamps as text (ISO order). */
function compareKeys(a: string, b: string): number {
  const numeric = /^-?\d+(\.\d+)?$/;
  if (numeric.test(a) && numeric.test(b)) return compareDecimals(a, b);
  return a < b ? -1 : a > b ? 1 : 0;
}

async function fileProblem(file: string, bytes: number, sha256: string): Promise<string | undefined> {
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    return 'missing';
  }
  if (size !== bytes) return `${size} bytes, ${bytes} in its manifest`;
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) hash.update(chunk);
  return hash.digest('hex') === sha256 ? undefined : 'not the file its shard committed (sha256 differs)';
}
