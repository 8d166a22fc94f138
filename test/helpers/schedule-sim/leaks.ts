/**
 * Where a secret ended up: every file under a project (but its config/, where the test wrote the
 * password on purpose) and every text the test captured, searched for each secret's bytes.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** Files under `root` (config/ excluded) and named texts that contain any of `secrets`. */
export function secretLeaks(
  root: string,
  secrets: readonly string[],
  texts: Record<string, string> = {},
): string[] {
  const found: string[] = [];
  const has = (text: string) => secrets.some((s) => text.includes(s));
  for (const file of filesUnder(root))
    if (!path.relative(root, file).startsWith(`config${path.sep}`) && has(readFileSync(file, 'latin1')))
      found.push(path.relative(root, file));
  for (const [name, text] of Object.entries(texts)) if (has(text)) found.push(name);
  return found;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}
