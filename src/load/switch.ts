/**
 * The atomic switch. `<directory>/<source>` is a symlink to the current version's directory; a new
 * version becomes current when a new symlink, made under a temporary name beside it, is renamed
 * over it. rename(2) replaces the name in one step, so a reader resolving the path (DuckDB,
 * pyarrow, `ls`) finds the old version or the new one, never neither and never a mix; a kill -9
 * before the rename leaves the old link, after it the new one.
 *
 * Why a symlink and not renaming directories: the path must name a complete version at every
 * instant, and there is no portable way to rename a directory over a non-empty one (Linux's
 * RENAME_EXCHANGE is not reachable from Node); two renames would leave a moment with no dataset.
 */
import { mkdirSync, readlinkSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { syncDirectory } from '../write/atomic.js';
import { outputFailure } from '../write/fs-failure.js';
import { DatasetCorrupt } from './errors.js';
import type { DatasetLayout } from './layout.js';
import { corruptHint, isVersionId } from './version.js';

/** The current version's id, or undefined when the dataset has never been loaded. */
export function currentVersionId(layout: DatasetLayout, source: string): string | undefined {
  const link = layout.link(source);
  let target: string;
  try {
    target = readlinkSync(link);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'EINVAL')
      throw new DatasetCorrupt(
        source,
        `${link} is not a link to a dataset version (it is a file or directory)`,
        {
          hint: `move ${link} out of load.directory: moh-etl keeps a link there and the versions in load.archive_directory`,
        },
      );
    throw outputFailure(e, 'read the link', link, 'load.directory');
  }
  const resolved = path.resolve(path.dirname(link), target);
  const id = path.basename(resolved);
  if (!isVersionId(id) || resolved !== layout.version(source, id))
    throw new DatasetCorrupt(source, `${link} points outside ${layout.versions(source)}`, {
      hint: corruptHint(source),
    });
  return id;
}

/** Make `version` current: new link under a temporary name, renamed over the old, directory synced. */
export async function switchCurrent(layout: DatasetLayout, source: string, version: string): Promise<void> {
  const link = layout.link(source);
  const temp = layout.tempLink(source);
  try {
    mkdirSync(layout.directory, { recursive: true, mode: 0o750 });
    symlinkSync(layout.linkTarget(source, version), temp);
    renameSync(temp, link);
  } catch (e) {
    rmSync(temp, { force: true });
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EISDIR' || code === 'ENOTEMPTY' || code === 'EEXIST')
      throw new DatasetCorrupt(source, `${link} is a directory, not a link to a dataset version`, {
        hint: `move ${link} out of load.directory: moh-etl keeps a link there and the versions in load.archive_directory`,
      });
    throw outputFailure(e, 'switch the link', link, 'load.directory');
  }
  await syncDirectory(layout.directory);
}
