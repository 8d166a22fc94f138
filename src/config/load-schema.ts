/**
 * The `load:` section of config/database.yml: where processed datasets and their archived versions
 * live, how long versions are kept, the embedded engine's resources, and per source how the dataset
 * is partitioned and which rows are soft-deleted. The store itself is src/load/.
 */
import path from 'node:path';
import * as z from 'zod';
import { DAY, directorySchema, durationSchema, nameSchema as identifier } from './fields.js';

/** Ten years: enough for any retention, small enough for a timer or date arithmetic. */
const duration = durationSchema(3650 * DAY);

/** DuckDB's own size syntax, restricted to the units people write. */
const SIZE = /^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i;

export const PARTITION_GRANULARITIES = ['day', 'month', 'year', 'value'] as const;
export type PartitionGranularity = (typeof PARTITION_GRANULARITIES)[number];

const partitionBy = z
  .strictObject({
    column: identifier.meta({ description: 'The column whose value places a row in a partition.' }),
    granularity: z.enum(PARTITION_GRANULARITIES).default('month').meta({
      description:
        'day, month or year of a date/timestamp column (visit_month=2025-01), or the column’s value as text.',
    }),
    name: identifier.optional().meta({
      description:
        'The Hive directory key (visit_month=…). It must differ from every column: the files keep the ' +
        'source column with its exact type, and the key is read back as text. Default: <column>_<granularity>.',
    }),
  })
  .meta({ description: 'Hive-partition the dataset; a merge rewrites only the partitions it touches.' });

const softDelete = z
  .strictObject({
    column: identifier,
    value: z.union([z.string(), z.number(), z.boolean()]).optional().meta({
      description:
        'A row is deleted when the column equals this value (e.g. true); without it, when the column is not NULL (deleted_at).',
    }),
  })
  .meta({ description: 'Rows marked deleted are removed from the dataset (and counted) when merged.' });

export const sourceLoadSchema = z.strictObject({
  partition_by: partitionBy.optional(),
  soft_delete: softDelete.optional(),
});

export const loadSchema = z
  .strictObject({
    directory: directorySchema.default('data/processed').meta({
      description:
        'Holds one entry per source, <directory>/<source>: the current version and nothing else (a symlink).',
    }),
    staging_directory: directorySchema.default('data/interim').meta({
      description:
        'Transformed rows of each run waiting to be loaded, <staging_directory>/<source>/<run_id>/; removed once loaded.',
    }),
    archive_directory: directorySchema.default('data/archive').meta({
      description:
        'Every version of every source, <archive_directory>/<source>/<version>/, the current one included.',
    }),
    keep_versions: z.int().min(0).max(10_000).default(5).meta({
      description: 'Archived (no longer current) versions kept per source, newest first. Default 5.',
    }),
    max_age: duration.default('90d').meta({
      description:
        'An archived version is deleted once it has not been current for this long. Default 90d; the current version is never deleted.',
    }),
    memory_limit: z
      .string()
      .regex(SIZE, { error: 'expected a size such as "256MB" or "1GB"' })
      .default('256MB')
      .meta({
        description:
          'The most DuckDB may use (its memory_limit); beyond it the engine spills to disk. Within memory_budget ' +
          'a load may get less. Default 256MB.',
      }),
    memory_budget: z
      .union([
        z.string().regex(SIZE, { error: 'expected a size such as "512MB" or "1GB", or "none"' }),
        z.literal('none'),
      ])
      .default('512MB')
      .meta({
        description:
          'Resident memory the whole process should stay within. Each load (and its dataset checks) gets the ' +
          'DuckDB memory limit that fits what the process holds when it starts, at most memory_limit and at ' +
          'least 96MB; "none": always memory_limit. Default 512MB.',
      }),
    threads: z.int().min(1).max(256).default(2).meta({ description: 'DuckDB worker threads. Default 2.' }),
    file_rows: z
      .int()
      .min(10_000)
      .max(100_000_000)
      .default(1_000_000)
      .meta({
        description:
          'Target rows per Parquet file of an unpartitioned dataset (a partitioned one has a file per partition). ' +
          'In both layouts a merge also rewrites the files under half of this that receive rows, so daily merges do not leave a file per day. Default 1,000,000.',
      }),
    compression_level: z.int().min(1).max(22).default(3).meta({
      // Measured on 10M attendances-like rows: level 1 spent ~15% less CPU but wrote 40% more bytes
      // (186 against 133 MiB), and every archived version keeps its rewritten files.
      description: 'zstd level of the dataset files. Default 3 (DuckDB’s own default).',
    }),
    sources: z.record(identifier, sourceLoadSchema).default({}).meta({
      description: 'Per source: partitioning and soft deletes. A source not listed is unpartitioned.',
    }),
  })
  .meta({ description: 'Processed datasets: one current version per source, archived versions, retention.' });

export type LoadConfig = z.output<typeof loadSchema>;
export type SourceLoadConfig = z.output<typeof sourceLoadSchema>;
export type PartitionConfig = NonNullable<SourceLoadConfig['partition_by']>;
export type SoftDeleteConfig = NonNullable<SourceLoadConfig['soft_delete']>;

/** The Hive key of a partitioned dataset: the configured name, or `<column>_<granularity>`. */
export function partitionName(p: PartitionConfig): string {
  return p.name ?? `${p.column}_${p.granularity}`;
}

/**
 * Cross-field rules: load settings name configured sources, a partition key is not its own column
 * (DuckDB would drop the column from the files and readers would get it back as text), and the
 * two directories neither coincide nor nest (a reader of one would see the other's files).
 * `at(path, message)` records a problem at a key path.
 */
export function loadRules(
  config: LoadConfig,
  sourceNames: string[],
  at: (path: string[], message: string) => void,
): void {
  const known = new Set(sourceNames);
  for (const [name, source] of Object.entries(config.sources)) {
    if (!known.has(name))
      at(
        ['load', 'sources', name],
        `unknown source "${name}" (defined: ${sourceNames.join(', ') || 'none'})`,
      );
    const p = source.partition_by;
    if (p && partitionName(p) === p.column)
      at(
        ['load', 'sources', name, 'partition_by', 'name'],
        `the partition key must differ from the column "${p.column}" (e.g. ${p.column}_${p.granularity})`,
      );
    if (p && source.soft_delete && partitionName(p) === source.soft_delete.column)
      at(['load', 'sources', name, 'partition_by', 'name'], 'the partition key names the soft-delete column');
  }
  const dir = path.resolve(config.directory);
  const archive = path.resolve(config.archive_directory);
  if (dir === archive || isInside(archive, dir) || isInside(dir, archive))
    at(
      ['load', 'archive_directory'],
      `must be separate from load.directory (${config.directory}): neither may contain the other`,
    );
}

function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}
