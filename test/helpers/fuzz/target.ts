/**
 * Targeted mutations: a known key set to a value the configuration must refuse. A target names
 * where (paths computed from the workspace, so the shipped config can change) and what (values
 * that are wrong whatever else the config says); its mutator applies one pair and expects exit 2.
 */
import type { Rng } from '../../../src/synth/prng.js';
import { shown, type Applied, type Mutator } from './mutation.js';
import type { Workspace } from './workspace.js';
import { allNodes, set, showPath, type Path } from './yaml-paths.js';
import { matches } from './tree-mutations.js';

export interface Target {
  /** The family, for the label ("duration out of range"). */
  what: string;
  /** Make the paths valid to set (add a decoration, a job, a section) before they are computed. */
  prepare?: (ws: Workspace) => void;
  /** Where the value goes; one is picked. */
  paths: (ws: Workspace) => Path[];
  /** Values the key must refuse; one is picked (a function computes it from the workspace). */
  values: readonly unknown[];
}

/** Existing nodes of database.yml matching `a.*.b` / `a.#` patterns. */
export function existing(ws: Workspace, ...patterns: string[]): Path[] {
  const split = patterns.map((p) => p.split('.'));
  return allNodes(ws.db)
    .map((n) => n.path)
    .filter((path) => split.some((p) => matches(path, p)));
}

/** Literal paths, written `a.b.c`. */
export const at = (...paths: string[]): Path[] => paths.map((p) => p.split('.'));

/** Names of the configured sources. */
export function sourceNames(ws: Workspace): string[] {
  const sources = ws.db.getIn(['sources']) as { items?: { key?: { value?: unknown } }[] } | undefined;
  return (sources?.items ?? []).map((p) => String(p.key?.value));
}

export function targetMutator(targets: readonly Target[]): Mutator {
  return (ws: Workspace, rng: Rng): Applied => {
    for (let attempt = 0; attempt < 100; attempt++) {
      const target = rng.pick(targets);
      target.prepare?.(ws);
      const paths = target.paths(ws);
      if (paths.length === 0) continue; // e.g. no job has that key in this config
      const path = rng.pick(paths);
      const picked = rng.pick(target.values);
      const value: unknown =
        typeof picked === 'function' ? (picked as (w: Workspace) => unknown)(ws) : picked;
      set(ws.db, path, value);
      return { label: `${target.what}: set ${showPath(path)} = ${shown(value)}`, expect: 'reject' };
    }
    throw new Error(`no target of ${targets.map((t) => t.what).join(', ')} applies to this config`);
  };
}

/** A target with one path and one value per entry, for pairs whose badness depends on the key. */
export function pairs(
  what: string,
  entries: readonly [string, unknown][],
  prepare?: Target['prepare'],
): Target[] {
  return entries.map(([path, value]) => ({ what, prepare, paths: () => at(path), values: [value] }));
}
