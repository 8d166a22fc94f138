/**
 * Merge: fold an increment into the current version, one row per key, the greatest cursor winning
 * (a tie goes to the increment, the later run). Only files that must change are rewritten:
 *
 * 1. `inc`: the increment, deduplicated (increment.ts).
 * 2. `hit`: the current rows sharing a key with it — a scan of the key and cursor columns only.
 * 3. `win`: increment rows that beat their current row (or have none); each remembers the file its
 *    old row is in. Stale rows (an older cursor than the dataset's) drop out here.
 * 4. Rewritten: the files holding a replaced key (wherever the new row goes: a key that moves
 *    partition leaves its old one), plus the small files of partitions that receive rows (so daily
 *    merges do not leave a file per day: they are compacted until they reach half of file_rows).
 *    Their rows minus the winners' keys, plus the winners not marked deleted, go through one COPY.
 * 5. Every other file is kept: the store hard-links it into the new version.
 */
import path from 'node:path';
import { copyToDataset, emptyOutput } from './copy.js';
import { stageIncrement } from './increment.js';
import { castList, duckdbType, ident, identList, pathList } from './sql.js';
import type { LoadStrategy, WriteContext, WriteOutcome } from './strategy.js';
import type { VersionFile } from './version.js';

export const mergeStrategy: LoadStrategy = {
  kind: 'merge',
  async write(ctx: WriteContext): Promise<WriteOutcome> {
    const { engine, shape, parent } = ctx;
    const increment = await stageIncrement(engine, ctx.request, shape);
    await engine.run(`CREATE TEMP TABLE inc AS ${increment.relation}`);
    const parentFiles = parent?.meta.files ?? [];
    await findWinners(
      ctx,
      parentFiles.map((f) => path.join(parent!.dir, f.path)),
    );

    const [c] = await engine.rows(`SELECT
        count(*)::BIGINT AS winners,
        count(*) FILTER (WHERE __old IS NULL AND NOT __deleted)::BIGINT AS inserted,
        count(*) FILTER (WHERE __old IS NOT NULL AND NOT __deleted)::BIGINT AS updated,
        count(*) FILTER (WHERE __old IS NOT NULL AND __deleted)::BIGINT AS soft_deleted,
        count(*) FILTER (WHERE __deleted)::BIGINT AS marked
      FROM win`);
    const n = (k: string) => Number(c![k]);

    const rewrite = await filesToRewrite(ctx, parentFiles, n('winners') > n('marked'));
    const written =
      rewrite.size > 0 || n('winners') > n('marked')
        ? await copyToDataset(engine, rewriteSelect(ctx, parentFiles, rewrite), ctx.out, shape, ctx.settings)
        : emptyOutput(ctx.out);
    const rowsBefore = parent?.meta.rows ?? 0;
    return {
      counts: {
        rows_before: rowsBefore,
        rows_in: increment.rows,
        inserted: n('inserted'),
        updated: n('updated'),
        deleted: 0,
        soft_deleted: n('soft_deleted'),
        duplicates: increment.rows - increment.keys,
        stale: increment.keys - n('winners'),
      },
      kept: parentFiles.filter((_, i) => !rewrite.has(i)),
      written: written.files,
      rowsWritten: written.rows,
    };
  },
};

/** Steps 2 and 3: `hit` and `win` (with `__old`, the index of the replaced row's file, or NULL). */
async function findWinners(ctx: WriteContext, parentPaths: string[]): Promise<void> {
  const { engine, shape } = ctx;
  if (parentPaths.length === 0) {
    await engine.run(`CREATE TEMP TABLE win AS SELECT *, NULL::BIGINT AS __old FROM inc`);
    return;
  }
  const cursor = shape.cursor && !ctx.added.includes(shape.cursor) ? ident(shape.cursor) : 'NULL';
  const on = (a: string, b: string) =>
    shape.keys.map((k) => `${a}.${ident(k)} = ${b}.${ident(k)}`).join(' AND ');
  // A semi join builds its hash table on the increment, and DuckDB pushes the increment's key range
  // into the scan, skipping row groups outside it.
  await engine.run(`CREATE TEMP TABLE hit AS
    SELECT ${shape.keys.map((k) => `p.${ident(k)}`).join(', ')}, ${cursor === 'NULL' ? 'NULL' : `p.${cursor}`} AS __cursor,
      p.file_index::BIGINT AS __file
    FROM read_parquet(${pathList(parentPaths)}, hive_partitioning = false) AS p SEMI JOIN inc ON ${on('p', 'inc')}`);
  // NULLs: a dataset row without a cursor loses; an increment row without one loses to a row with one.
  const incWins = shape.cursor
    ? `coalesce(inc.${ident(shape.cursor)} >= hit.__cursor, hit.__cursor IS NULL)`
    : 'TRUE';
  await engine.run(`CREATE TEMP TABLE win AS
    SELECT inc.*, hit.__file AS __old FROM inc LEFT JOIN hit ON ${on('inc', 'hit')}
    WHERE hit.__file IS NULL OR ${incWins}`);
}

/** Step 4: indexes of the current version's files that the new version rewrites. */
async function filesToRewrite(
  ctx: WriteContext,
  files: VersionFile[],
  receives: boolean,
): Promise<Set<number>> {
  if (ctx.rewriteAll) return new Set(files.map((_, i) => i));
  const replaced = await ctx.engine.rows(`SELECT DISTINCT __old FROM win WHERE __old IS NOT NULL`);
  const rewrite = new Set(replaced.map((r) => Number(r.__old)));
  if (!receives) return rewrite;
  const partitions = ctx.shape.partitioning
    ? new Set(
        (await ctx.engine.rows(`SELECT DISTINCT __part FROM win WHERE NOT __deleted`)).map(
          (r) => r.__part as string | null,
        ),
      )
    : undefined;
  const small = ctx.settings.fileRows / 2;
  files.forEach((f, i) => {
    const receiving = partitions ? partitions.has(f.partition ?? null) : true;
    if (receiving && f.rows < small) rewrite.add(i);
  });
  return rewrite;
}

/** The COPY's rows: rewritten files without the winners' keys, plus the winners not deleted. */
function rewriteSelect(ctx: WriteContext, files: VersionFile[], rewrite: Set<number>): string {
  const { shape } = ctx;
  const key = shape.partitioning ? ident(shape.partitioning.config.name) : undefined;
  const fresh = `SELECT ${identList(shape.columns.map((c) => c.name))}${key ? `, __part AS ${key}` : ''} FROM win WHERE NOT __deleted`;
  if (rewrite.size === 0) return fresh;
  const paths = [...rewrite].sort((a, b) => a - b).map((i) => path.join(ctx.parent!.dir, files[i]!.path));
  const added = new Set(ctx.added);
  const columns = shape.columns
    .map((c) => (added.has(c.name) ? `NULL::${duckdbType(c.type)} AS ${ident(c.name)}` : castList([c], 'c')))
    .join(', ');
  const on = shape.keys.map((k) => `w.${ident(k)} = c.${ident(k)}`).join(' AND ');
  const kept = `SELECT ${columns}${key ? `, ${shape.partitioning!.value('c')} AS ${key}` : ''}
    FROM read_parquet(${pathList(paths)}, hive_partitioning = false) AS c
    WHERE NOT EXISTS (SELECT 1 FROM win AS w WHERE ${on})`;
  return `${kept}\nUNION ALL BY NAME\n${fresh}`;
}
