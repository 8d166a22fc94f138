/**
 * Turning the engine's output directory into a complete version: the kept files of the current
 * version hard-linked in (files are immutable, so sharing is safe and costs no bytes), every new file
 * hashed, made 0640 and fsynced, the metadata written, every directory fsynced; then one rename gives
 * the directory its version name. Only a directory under its final name is a version.
 */
import { createHash, randomUUID } from 'node:crypto';
import { chmodSync, linkSync, mkdirSync, readdirSync, renameSync } from 'node:fs';
import { open, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { syncDirectory } from '../write/atomic.js';
import { outputFailure } from '../write/fs-failure.js';
import type { Engine } from './engine.js';
import type { Partitioning } from './partition.js';
import { partitionOfPath } from './partition.js';
import { duckdbType, ident, literal, pathList } from './sql.js';
import type { WriteOutcome } from './strategy.js';
import type { ColumnSpec } from '../schema/column-types.js';
import { VERSION_FILE, type VersionFile, type VersionMeta } from './version.js';

/** Files hold patient data: owner read-write, group read, nothing for others (as output.file_mode). */
const FILE_MODE = 0o640;
const DIR_MODE = 0o750;
const CHUNK = 1 << 20;

export interface AssembleInput {
  engine: Engine;
  out: string;
  outcome: WriteOutcome;
  parentDir: string | undefined;
  partitioning: Partitioning | undefined;
  columns: readonly ColumnSpec[];
}

/** Link, describe and sync the files of the new version; returns them in a stable order. */
export async function assembleFiles(input: AssembleInput): Promise<VersionFile[]> {
  const { out, outcome } = input;
  for (const f of outcome.kept) {
    const target = path.join(out, f.path);
    try {
      mkdirSync(path.dirname(target), { recursive: true, mode: DIR_MODE });
      linkSync(path.join(input.parentDir!, f.path), target);
    } catch (e) {
      throw outputFailure(e, 'link', target, 'load.archive_directory');
    }
  }
  let written = outcome.written;
  if (written.length === 0 && outcome.kept.length === 0) written = [await writeEmptyFile(input)];
  const rows = await rowsPerFile(input.engine, written);
  const fresh: VersionFile[] = [];
  for (const file of written) {
    const relative = path.relative(out, file).split(path.sep).join('/');
    const { bytes, sha256 } = await hashAndSync(file);
    fresh.push({
      path: relative,
      rows: rows.get(file) ?? 0,
      bytes,
      sha256,
      ...(input.partitioning
        ? { partition: partitionOfPath(relative, input.partitioning.config.name) ?? null }
        : {}),
    });
  }
  return [...outcome.kept, ...fresh].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Write `_version.json`, sync every directory of the version, and give it its final name. */
export async function commitVersion(out: string, finalDir: string, meta: VersionMeta): Promise<void> {
  const file = path.join(out, VERSION_FILE);
  try {
    await writeFile(file, JSON.stringify(meta, null, 2) + '\n', { mode: FILE_MODE });
    const handle = await open(file, 'r');
    await handle.sync().finally(() => handle.close());
    for (const dir of directoriesUnder(out)) {
      chmodSync(dir, DIR_MODE);
      await syncDirectory(dir);
    }
    renameSync(out, finalDir);
    await syncDirectory(path.dirname(finalDir));
  } catch (e) {
    throw outputFailure(e, 'commit the version', finalDir, 'load.archive_directory');
  }
}

/** A dataset with no rows is still one file with its columns, so readers find a schema. */
async function writeEmptyFile(input: AssembleInput): Promise<string> {
  const file = path.join(input.out, `part-${randomUUID()}.parquet`);
  const columns = input.columns.map((c) => `NULL::${duckdbType(c.type)} AS ${ident(c.name)}`).join(', ');
  await input.engine.run(
    `COPY (SELECT ${columns} WHERE FALSE) TO ${literal(file)} (FORMAT parquet, COMPRESSION zstd)`,
  );
  return file;
}

async function rowsPerFile(engine: Engine, files: string[]): Promise<Map<string, number>> {
  if (files.length === 0) return new Map();
  const rows = await engine.rows(`SELECT file_name, num_rows FROM parquet_file_metadata(${pathList(files)})`);
  return new Map(rows.map((r) => [String(r.file_name), Number(r.num_rows)]));
}

async function hashAndSync(file: string): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash('sha256');
  let bytes = 0;
  try {
    const handle = await open(file, 'r');
    try {
      const buf = Buffer.allocUnsafe(CHUNK);
      for (;;) {
        const { bytesRead } = await handle.read(buf, 0, CHUNK, null);
        if (bytesRead === 0) break;
        hash.update(buf.subarray(0, bytesRead));
        bytes += bytesRead;
      }
      await handle.chmod(FILE_MODE);
      // DuckDB does not fsync what COPY writes; the version must survive a power cut once it is current.
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (e) {
    throw outputFailure(e, 'hash and sync', file, 'load.archive_directory');
  }
  return { bytes, sha256: hash.digest('hex') };
}

function directoriesUnder(root: string): string[] {
  const dirs: string[] = [];
  for (const entry of readdirSync(root, { withFileTypes: true }))
    if (entry.isDirectory()) dirs.push(...directoriesUnder(path.join(root, entry.name)));
  dirs.push(root);
  return dirs;
}
