/**
 * A case's project on disk: written from its workspace, listed before and after the command (to
 * prove a rejected command wrote nothing), and searched for the canary in whatever it did write.
 */
import { lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { FuzzCase } from './cases.js';
import { DIRECTORY, MISSING, type Entry } from './workspace.js';

/** Write the case's project under `root`. `demoDb` is the shared demo database for probe cases. */
export function writeProject(root: string, c: FuzzCase, demoDb: string): void {
  const { ws } = c;
  mkdirSync(path.join(root, 'config'), { recursive: true });
  for (const name of ['database.yml', 'queries.yml'] as const) {
    const text = ws.text(name);
    const rewrite = ws.raw[name];
    writeFileSync(path.join(root, 'config', name), rewrite ? rewrite(text) : text);
  }
  const env = { ...ws.env };
  if (c.probe && env.MOH_DEMO_DB === undefined) env.MOH_DEMO_DB = demoDb;
  const dotenv = Object.entries(env)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n');
  writeFileSync(path.join(root, '.env'), dotenv + '\n');
  for (const [rel, entry] of Object.entries(ws.extras).sort(([a], [b]) => a.localeCompare(b))) {
    place(path.join(root, rel), entry);
  }
}

function place(file: string, entry: Entry): void {
  rmSync(file, { recursive: true, force: true });
  if (entry === MISSING) return;
  if (entry === DIRECTORY) {
    mkdirSync(file, { recursive: true });
    return;
  }
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, entry);
}

/** Every entry under `root` (not following links): relative path → kind, size and mtime. */
export function listing(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const full = path.join(dir, name);
      const st = lstatSync(full);
      const rel = path.relative(root, full);
      if (st.isDirectory()) {
        out.set(rel, 'dir');
        walk(full);
      } else out.set(rel, `${st.isFile() ? 'file' : 'other'} ${st.size} ${st.mtimeMs}`);
    }
  };
  walk(root);
  return out;
}

/** Entries added, removed or changed between two listings. */
export function changes(before: Map<string, string>, after: Map<string, string>): string[] {
  const out: string[] = [];
  for (const [rel, what] of after) {
    const was = before.get(rel);
    if (was === undefined) out.push(`created ${rel}`);
    else if (was !== what) out.push(`changed ${rel}`);
  }
  for (const rel of before.keys()) if (!after.has(rel)) out.push(`removed ${rel}`);
  return out.sort();
}

/** Files the command created or changed that contain the canary (logs, run records, reports). */
export function filesWithCanary(root: string, changed: string[], canary: string): string[] {
  return changed
    .filter((c) => !c.startsWith('removed '))
    .map((c) => c.slice(c.indexOf(' ') + 1))
    .filter((rel) => {
      const full = path.join(root, rel);
      const st = lstatSync(full);
      return st.isFile() && st.size < 16 * 1024 * 1024 && readFileSync(full).includes(canary);
    });
}
