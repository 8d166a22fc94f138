/** Write a config directory in a temp folder for config and CLI tests. */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const REPO_ROOT = path.resolve(import.meta.dirname, '../..');

export interface ConfigFixture {
  root: string;
  configPath: string;
  write(file: 'database.yml' | 'queries.yml' | '.env', text: string): void;
  cleanup(): void;
}

/** A temp project root holding a copy of the repository's config/ (edit it with `write`). */
export function configFixture(): ConfigFixture {
  const root = mkdtempSync(path.join(tmpdir(), 'moh-etl-cfg-'));
  mkdirSync(path.join(root, 'config'));
  for (const f of ['database.yml', 'queries.yml']) {
    writeFileSync(path.join(root, 'config', f), readFileSync(path.join(REPO_ROOT, 'config', f)));
  }
  return {
    root,
    configPath: path.join(root, 'config', 'database.yml'),
    write(file, text) {
      writeFileSync(file === '.env' ? path.join(root, '.env') : path.join(root, 'config', file), text);
    },
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}
