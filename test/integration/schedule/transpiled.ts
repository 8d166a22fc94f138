/**
 * Real child processes need JavaScript: this transpiles the source files a child script imports
 * (following relative imports from the entry points) into a temporary directory, one file at a
 * time with TypeScript's own transpiler, so the tests run today's source rather than a stale
 * dist/. Packages resolve through a node_modules symlink to the repository's.
 */
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

const RELATIVE_IMPORT = /(?:from|import)\s*['"](\.{1,2}\/[^'"]+)\.js['"]/g;

/** Transpile `entries` (paths relative to the repository) and what they import into `outDir`. */
export function transpileTree(entries: string[], outDir: string): void {
  const seen = new Set<string>();
  const queue = entries.map((e) => path.resolve(REPO_ROOT, e));
  while (queue.length) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    for (const m of source.matchAll(RELATIVE_IMPORT))
      queue.push(path.resolve(path.dirname(file), `${m[1]}.ts`));
    const out = ts.transpileModule(source, {
      compilerOptions: {
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2022,
        verbatimModuleSyntax: true,
      },
      fileName: file,
    });
    const target = path.join(outDir, path.relative(REPO_ROOT, file)).replace(/\.ts$/, '.js');
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, out.outputText);
  }
  writeFileSync(path.join(outDir, 'package.json'), '{ "type": "module" }\n');
  symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(outDir, 'node_modules'), 'dir');
}
