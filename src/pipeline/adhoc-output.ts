/**
 * Where an ad-hoc run's rows go, decided and checked before anything connects:
 * - `--stdout`: CSV on standard output, nothing on disk;
 * - `--output FILE.csv|.parquet|.xlsx`: one file in one format, written beside its final name and
 *   renamed into place (an existing file is replaced whole, never half-written);
 * - `--output DIR` (an existing directory, a path ending in "/", or one without an extension): the
 *   layout of output.directory, DIR/<name>/extract_date=…/<run_id>/part-*.<ext> + _manifest.json;
 * - neither: that layout under <output.directory>/ad-hoc/. "ad-hoc" cannot be a source name (a
 *   name has no "-"), so ad-hoc files never mix with a configured source's runs.
 */
import { closeSync, existsSync, openSync, rmSync, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { LoadedConfig } from '../config/load.js';
import type { OutputFormat } from '../config/schema.js';
import { OutputError, UsageError } from '../errors.js';
import { outputFailure } from '../write/fs-failure.js';
import { availableFormats, writerFor } from '../write/registry.js';

export type OutputTarget =
  | { kind: 'stdout' }
  | { kind: 'file'; path: string; format: OutputFormat }
  | { kind: 'directory'; directory: string; formats: OutputFormat[] };

/** The folder under output.directory that ad-hoc runs write to without `--output`. */
export const ADHOC_DIRECTORY = 'ad-hoc';

export interface OutputFlags {
  output?: string;
  stdout?: boolean;
  /** `--format`, resolved. */
  formats?: OutputFormat[];
  json?: boolean;
}

/** The target the flags name; relative paths are taken from where the user stands (`cwd`). */
export function outputTarget(loaded: LoadedConfig, flags: OutputFlags, cwd = process.cwd()): OutputTarget {
  if (flags.stdout) {
    if (flags.output !== undefined)
      throw new UsageError('--stdout and --output are alternatives: the rows go to one place');
    if (flags.json) throw new UsageError('--stdout prints the rows; --json would mix a summary into them');
    if (flags.formats && flags.formats.join() !== 'csv')
      throw new UsageError('--stdout writes CSV; for Parquet or Excel give --output FILE or --output DIR');
    return { kind: 'stdout' };
  }
  if (flags.output === undefined)
    return {
      kind: 'directory',
      directory: path.resolve(loaded.root, loaded.config.output.directory, ADHOC_DIRECTORY),
      formats: flags.formats ?? loaded.config.output.formats,
    };
  if (flags.output.trim() === '') throw new UsageError('--output is empty: give a file or a directory');
  const target = path.resolve(cwd, flags.output);
  const ext = path.extname(target).slice(1).toLowerCase();
  const isDirectory =
    /[\\/]$/.test(flags.output) || ext === '' || (existsSync(target) && statSync(target).isDirectory());
  if (isDirectory)
    return { kind: 'directory', directory: target, formats: flags.formats ?? loaded.config.output.formats };
  const format = availableFormats().find((f) => writerFor(f).extension === ext);
  if (!format)
    throw new UsageError(
      `--output ${flags.output}: .${ext} is not a format this writes (${extensions()}); name a file with one of those, or a directory (a new one ending in "/")`,
    );
  if (flags.formats && flags.formats.join() !== format)
    throw new UsageError(
      `--output ${flags.output} is one ${format} file; --format ${flags.formats.join(',')} does not match it (give --output DIR for several formats)`,
    );
  return { kind: 'file', path: target, format };
}

const extensions = () =>
  availableFormats()
    .map((f) => `.${writerFor(f).extension}`)
    .join(', ');

/**
 * Fail now, with the path and the cause, if the target cannot be written: a file needs an existing
 * directory; a directory needs its nearest existing ancestor to be a directory we may write in.
 * Proven by creating (and removing) a file there: permission bits do not tell a read-only mount, a
 * root-owned directory under sudo, or a file system that refuses new files.
 */
export function checkWritable(target: OutputTarget): void {
  if (target.kind === 'stdout') return;
  if (target.kind === 'file') {
    const dir = path.dirname(target.path);
    if (!existsSync(dir))
      throw new OutputError(`cannot write ${target.path}: no such directory ${dir}`, {
        hint: 'create the directory first, or give --output a path in an existing one',
      });
    if (!statSync(dir).isDirectory())
      throw new OutputError(`cannot write ${target.path}: ${dir} is not a directory`, {
        hint: 'move the file away, or give --output another path',
      });
    return probeCreate(dir, target.path);
  }
  let dir = target.directory;
  while (!existsSync(dir) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  if (!statSync(dir).isDirectory())
    throw new OutputError(
      `cannot create directory ${target.directory}: ${dir} is a file, where a directory is expected`,
      { hint: 'move the file away, or give --output another directory' },
    );
  probeCreate(dir, target.directory);
}

function probeCreate(dir: string, shown: string): void {
  const probe = path.join(dir, `.moh-etl-write-check-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    closeSync(openSync(probe, 'wx', 0o600));
  } catch (e) {
    throw outputFailure(e, 'write', shown);
  } finally {
    rmSync(probe, { force: true });
  }
}
