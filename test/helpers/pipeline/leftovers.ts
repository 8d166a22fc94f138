/**
 * What a finished run must not leave behind in a project, whatever killed the runs before it:
 * temporary files, half-built (`.work-`) or half-deleted (`.trash-`) versions, temporary links,
 * locks, and staged (transformed) files of runs whose rows were loaded.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';

export interface ProjectDirs {
  /** The project root. */
  root: string;
  /** Relative to the root (the shipped defaults). */
  processed?: string;
  archive?: string;
  staging?: string;
  state?: string;
  raw?: string;
}

/** Paths (relative to the root) of debris under the project's data directories; empty when clean. */
export function leftovers(dirs: ProjectDirs): string[] {
  const at = (rel: string | undefined, fallback: string) => path.join(dirs.root, rel ?? fallback);
  const found: string[] = [];
  const add = (p: string) => found.push(path.relative(dirs.root, p));
  for (const dir of [at(dirs.processed, 'data/processed'), at(dirs.archive, 'data/archive')])
    walk(dir, (p, name) => {
      if (/^\.(work|trash)-/.test(name) || name.endsWith('.link') || name.endsWith('.tmp')) add(p);
      if (name.endsWith('.lock')) add(p);
    });
  for (const dir of [at(dirs.state, 'data/state'), at(dirs.raw, 'data/raw')])
    walk(dir, (p, name) => {
      if (name.endsWith('.tmp') || name.endsWith('.lock')) add(p);
    });
  // Staged files are removed once loaded: a finished run leaves no run directory in staging.
  const staging = at(dirs.staging, 'data/interim');
  if (existsSync(staging))
    for (const source of readdirSync(staging))
      for (const run of readdirSync(path.join(staging, source))) add(path.join(staging, source, run));
  return found.sort();
}

/** Every entry under `dir` (files and directories, depth first), with its name. */
function walk(dir: string, visit: (p: string, name: string) => void): void {
  if (!existsSync(dir)) return;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    visit(p, e.name);
    if (e.isDirectory() && !e.isSymbolicLink()) walk(p, visit);
  }
}
