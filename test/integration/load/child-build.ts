/**
 * Makes a TypeScript entry point runnable by a plain `node` child process (Node 20 cannot strip
 * types, and the build in dist/ may be stale or broken mid-flight): the entry and every module it
 * imports by relative path are transpiled (no type check) into a directory that mirrors the
 * repository, with node_modules linked and `"type": "module"`.
 */
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** Transpile `entry` (absolute .ts path) and its relative imports into `outDir`; returns the entry's .js path. */
export function buildChild(entry: string, outDir: string): string {
  const seen = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    for (const spec of ts.preProcessFile(source, true, true).importedFiles.map((f) => f.fileName))
      if (spec.startsWith('.')) queue.push(path.resolve(path.dirname(file), spec.replace(/\.js$/, '.ts')));
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: {
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2022,
        verbatimModuleSyntax: true,
      },
      fileName: file,
    });
    const out = path.join(outDir, path.relative(REPO, file)).replace(/\.ts$/, '.js');
    mkdirSync(path.dirname(out), { recursive: true });
    writeFileSync(out, outputText);
  }
  writeFileSync(path.join(outDir, 'package.json'), '{"type":"module"}\n');
  symlinkSync(path.join(REPO, 'node_modules'), path.join(outDir, 'node_modules'));
  return path.join(outDir, path.relative(REPO, entry)).replace(/\.ts$/, '.js');
}
