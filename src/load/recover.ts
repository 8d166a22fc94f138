/**
 * Recovery after a crash (kill -9, power cut) at any point of a load: whatever the moment, the link
 * names one complete version, and everything else a load leaves behind is removed:
 * - `.work-<version>` directories (the engine's spill files and a version still being built),
 * - `.trash-<version>` directories (retention was deleting them),
 * - temporary links beside `<directory>/<source>` (made, not yet renamed over the old one),
 * - complete versions newer than the current one: built and committed, but the switch never
 *   happened, so no reader has seen them and the pipeline has not counted them as loaded.
 * Run under the dataset's lock, at the start of every load.
 */
import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { DatasetCorrupt } from './errors.js';
import { TRASH_PREFIX, WORK_PREFIX, type DatasetLayout } from './layout.js';
import { currentVersionId } from './switch.js';
import { isVersionId, versionSeq } from './version.js';

export interface Recovery {
  /** What was removed, as paths. */
  removed: string[];
}

export function recoverDataset(layout: DatasetLayout, source: string): Recovery {
  const removed: string[] = [];
  const remove = (p: string) => {
    rmSync(p, { recursive: true, force: true });
    removed.push(p);
  };
  for (const name of list(layout.directory))
    if (layout.isTempLink(source, name)) remove(path.join(layout.directory, name));
  const dir = layout.versions(source);
  const entries = list(dir);
  for (const name of entries)
    if (name.startsWith(WORK_PREFIX) || name.startsWith(TRASH_PREFIX)) remove(path.join(dir, name));

  const current = currentVersionId(layout, source);
  const versions = entries.filter(isVersionId);
  if (current === undefined) {
    // Only a first load that never switched leaves versions without a link; anything else means the
    // link was removed by hand, and deleting the history would lose the dataset.
    if (versions.some((v) => versionSeq(v) !== 1))
      throw new DatasetCorrupt(source, `${layout.link(source)} is missing but ${dir} holds versions`, {
        hint: `link the version to restore: ln -s ${layout.linkTarget(source, versions.sort().at(-1)!)} ${layout.link(source)}`,
      });
    for (const v of versions) remove(path.join(dir, v));
    return { removed };
  }
  const seq = versionSeq(current);
  for (const v of versions) if (versionSeq(v) > seq) remove(path.join(dir, v));
  return { removed };
}

function list(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}
