/**
 * Who runs the CLI child when a test takes a permission away. Root ignores file modes, so as root
 * the child runs as `nobody` (and the project is handed to it); as anyone else, as ourselves.
 * Decided once when this module loads, so a test title can say which.
 */
import { spawnSync } from 'node:child_process';

export interface RunAs {
  /** uid/gid for `spawn`, when the child runs as another user. */
  user?: { uid: number; gid: number };
  /** For titles and logs: "as nobody (uid 65534)" or "as uid 1000". */
  label: string;
}

function id(flag: '-u' | '-g', name: string): number | undefined {
  const r = spawnSync('id', [flag, name], { encoding: 'utf8' });
  const n = Number.parseInt(r.stdout, 10);
  return r.status === 0 && Number.isInteger(n) ? n : undefined;
}

function detect(): RunAs {
  const uid = process.getuid?.();
  if (uid !== 0) return { label: `as uid ${uid ?? '?'} (not root: file modes apply)` };
  const nobody = { uid: id('-u', 'nobody'), gid: id('-g', 'nobody') };
  if (nobody.uid === undefined || nobody.gid === undefined)
    throw new Error('running as root and there is no "nobody" user to run the CLI as');
  return {
    user: { uid: nobody.uid, gid: nobody.gid },
    label: `as nobody (uid ${nobody.uid}; root ignores file modes)`,
  };
}

export const runAs: RunAs = detect();

/** Hand `dir` and everything under it to the child's user (a no-op when it is ourselves). */
export function handOver(dir: string): void {
  if (!runAs.user) return;
  const r = spawnSync('chown', ['-R', `${runAs.user.uid}:${runAs.user.gid}`, dir], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`chown -R ${dir} failed: ${r.stderr}`);
}
