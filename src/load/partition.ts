/**
 * Partition schemes by granularity, in a registry: each turns the partition column into the text of
 * a Hive directory value (`visit_month=2025-01`) in SQL, and says which column kinds it takes.
 * DuckDB writes the directories (percent-escaping the value, `__HIVE_DEFAULT_PARTITION__` for NULL);
 * `partitionOfPath` reads a value back from a file's path.
 */
import { partitionName, type PartitionConfig, type PartitionGranularity } from '../config/load-schema.js';
import type { ColumnKind, ColumnSpec } from '../schema/column-types.js';
import { LoadRejected } from './errors.js';
import { ident } from './sql.js';

export interface PartitionScheme {
  /** SQL text of the partition value (VARCHAR, NULL for a NULL column) from the column's SQL. */
  value(column: string): string;
  accepts: readonly ColumnKind[];
}

const TEMPORAL: readonly ColumnKind[] = ['date', 'timestamp'];

/** A timestamp with time zone falls in the UTC day/month/year (the engine's session zone is UTC). */
const schemes: Record<PartitionGranularity, PartitionScheme> = {
  day: { value: (c) => `strftime(${c}, '%Y-%m-%d')`, accepts: TEMPORAL },
  month: { value: (c) => `strftime(${c}, '%Y-%m')`, accepts: TEMPORAL },
  year: { value: (c) => `strftime(${c}, '%Y')`, accepts: TEMPORAL },
  value: {
    value: (c) => `CAST(${c} AS VARCHAR)`,
    accepts: ['int32', 'int64', 'string', 'date', 'boolean', 'decimal'],
  },
};

/** A dataset's partitioning, resolved against its columns. */
export interface Partitioning {
  config: PartitionConfig & { name: string };
  /** SQL of the partition value for a row whose columns are in scope (optionally qualified). */
  value(qualifier?: string): string;
}

/** Check the partition column against the request's columns and resolve the scheme. */
export function resolvePartitioning(
  config: PartitionConfig | undefined,
  columns: readonly ColumnSpec[],
): Partitioning | undefined {
  if (!config) return undefined;
  const name = partitionName(config);
  const column = columns.find((c) => c.name === config.column);
  const scheme = schemes[config.granularity];
  if (!column)
    throw new LoadRejected(`the partition column ${config.column} is not a column of the increment`, {
      hint: 'fix load.sources.<source>.partition_by.column',
    });
  if (!scheme.accepts.includes(column.type.kind))
    throw new LoadRejected(
      `partitioning by ${config.granularity} needs a ${scheme.accepts.join(' or ')} column; ${config.column} is ${column.type.kind}`,
      { hint: 'fix load.sources.<source>.partition_by' },
    );
  if (columns.some((c) => c.name === name))
    throw new LoadRejected(`the partition key ${name} is also a column name`, {
      hint: 'set load.sources.<source>.partition_by.name to a name that is not a column',
    });
  return {
    config: { ...config, name },
    value: (q) => scheme.value(q ? `${q}.${ident(config.column)}` : ident(config.column)),
  };
}

/** DuckDB's directory value for NULL (Hive's convention). */
const NULL_PARTITION = '__HIVE_DEFAULT_PARTITION__';

/** The partition value of a file from its path relative to the version (`name=value/part.parquet`). */
export function partitionOfPath(relative: string, name: string): string | null | undefined {
  const dir = relative.split('/').slice(0, -1);
  const segment = dir.find((s) => s.startsWith(`${name}=`));
  if (segment === undefined) return undefined;
  const raw = segment.slice(name.length + 1);
  return raw === NULL_PARTITION ? null : decodeURIComponent(raw);
}
