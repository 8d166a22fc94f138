/**
 * Turns a source's configuration and the run's options into a SourcePlan: which template, which
 * filters (date range, high-water mark), which keyset order and where to start. The template is
 * probed once (zero rows) for its column types, so bounds can match the columns' types.
 */
import path from 'node:path';
import type { LoadedConfig } from '../config/load.js';
import type { ExtractionMode, QueryTemplate, SourceConfig } from '../config/schema.js';
import { compileTemplate } from '../config/template.js';
import type { SourceConnection } from '../db/connection.js';
import { ConfigError } from '../errors.js';
import type { ColumnSpec, ColumnType } from '../schema/column-types.js';
import { dateRangeFilter, type DateRange } from './date-range.js';
import { probeQuery, type BatchQueryPlan, type SqlFragment } from './keyset.js';
import type { StoredValue, Watermark } from './state.js';

/** What a run does with a source: its mode, or `range` for a --start-date/--end-date slice. */
export type PlanMode = ExtractionMode | 'range';

export interface SourceRequest {
  name: string;
  source: SourceConfig;
  template: QueryTemplate;
  mode: ExtractionMode;
  range?: DateRange;
  timeZone: string;
  batchSize: number;
  /** The configuration file, for problems with the source's keys (default config/database.yml). */
  configFile?: string;
}

export interface SourcePlan extends BatchQueryPlan {
  name: string;
  mode: PlanMode;
  range?: DateRange;
  columns: ColumnSpec[];
  /** Types of orderColumns, for binding positions exactly. */
  orderTypes: ColumnType[];
  /** The cursor column and its type, when the plan is bounded by a high-water mark. */
  cursor?: { name: string; type: ColumnType };
  /** Why the date range was not applied, when it was not. */
  note?: string;
}

/** The request for a configured source: its template, the run's mode and range, the extraction settings. */
export function sourceRequest(
  loaded: LoadedConfig,
  name: string,
  mode: ExtractionMode,
  range?: DateRange,
): SourceRequest {
  const { config } = loaded;
  const source = config.sources[name]!;
  return {
    name,
    source,
    template: loaded.queries[source.query ?? name]!,
    mode,
    range,
    timeZone: config.extraction.timezone,
    batchSize: config.extraction.batch_size,
    configFile: path.relative(loaded.root, loaded.file) || loaded.file,
  };
}

/** Describe the source's query and decide order and filters; the high-water mark is added by `bounded`. */
export async function planSource(conn: SourceConnection, req: SourceRequest): Promise<SourcePlan> {
  const { dialect } = conn;
  const sql = req.template.dialects[conn.dialect.name] ?? req.template.sql;
  const template = compileTemplate(sql, req.source.params);
  const probe = probeQuery(dialect, template);
  const { columns: probed } = await dialect.query(conn.knex, probe.sql, probe.bindings, {
    describeNullability: true,
  });
  // Non-nullable: the configured primary key, and the columns the database guarantees are never
  // NULL where the dialect can tell (SQL Server's and Oracle's metadata is not trusted: untested live).
  const pk = new Set(req.source.primary_key);
  const described = dialect.capabilities.describesNullability;
  const columns = probed.map((c) => ({ ...c, nullable: !pk.has(c.name) && (!described || c.nullable) }));
  const typeOf = (col: string, key: string): ColumnType => {
    const found = columns.find((c) => c.name === col);
    if (!found) throw notAColumn(req, key, col, columns);
    return found.type;
  };
  const pkTypes = req.source.primary_key.map((k) => typeOf(k, 'primary_key'));
  for (const pii of req.source.pii_columns)
    if (!columns.some((c) => c.name === pii)) throw notAColumn(req, 'pii_columns', pii, columns);
  // Checked on every run, not only date-range ones: a typo should surface at `check`, not months later.
  for (const [key, col] of [
    ['date_column', req.source.date_column],
    ['cursor_column', req.source.cursor_column],
  ] as const)
    if (col !== undefined) typeOf(col, key);

  const filters: SqlFragment[] = [];
  let note: string | undefined;
  if (req.range) {
    if (req.source.date_column) {
      const type = typeOf(req.source.date_column, 'date_column');
      filters.push(
        dateRangeFilter(
          dialect,
          req.source.date_column,
          type,
          req.range,
          req.source.timezone ?? req.timeZone,
        ),
      );
    } else {
      note = 'no date_column: the date range does not apply, extracted in full';
    }
  }

  // Incremental reads in (cursor, pk) order so ties on the cursor never straddle a lost position;
  // full and date-range runs read in primary-key order.
  const incremental = req.mode === 'incremental' && !req.range;
  const cursorName = req.source.cursor_column;
  const cursor =
    cursorName && !req.range ? { name: cursorName, type: typeOf(cursorName, 'cursor_column') } : undefined;
  const orderColumns =
    incremental && cursor ? [cursor.name, ...req.source.primary_key] : [...req.source.primary_key];
  const orderTypes = incremental && cursor ? [cursor.type, ...pkTypes] : pkTypes;

  return {
    name: req.name,
    mode: req.range ? 'range' : req.mode,
    range: req.range,
    columns,
    template,
    filters,
    orderColumns,
    orderTypes,
    batchSize: req.batchSize,
    cursor,
    note,
  };
}

/**
 * A column the configuration names that the query does not return: a configuration problem (a typo
 * in pii_columns would otherwise leave the real column unmasked), reported before any row is read.
 */
function notAColumn(req: SourceRequest, key: string, column: string, columns: ColumnSpec[]): ConfigError {
  return new ConfigError([
    {
      file: req.configFile ?? 'config/database.yml',
      path: `sources.${req.name}.${key}`,
      message: `"${column}" is not a column of the source's query (columns: ${columns.map((c) => c.name).join(', ')})`,
    },
  ]);
}

/** The plan bounded above by a frozen high-water mark on its cursor column. */
export function bounded(
  conn: SourceConnection,
  plan: SourcePlan,
  highWater: StoredValue | undefined,
): SourcePlan {
  if (!plan.cursor || highWater === undefined || highWater === null) return plan;
  const col = `q.${conn.dialect.quoteIdentifier(plan.cursor.name)}`;
  const bound = conn.dialect.keyBinding(highWater, plan.cursor.type);
  return { ...plan, filters: [...plan.filters, { sql: `${col} <= ?`, bindings: [bound] }] };
}

/**
 * A stored position usable by this plan: its columns must be a prefix of the plan's order (a
 * watermark set at a high-water mark holds only the cursor). Anything else starts from the beginning.
 */
export function usablePosition(plan: SourcePlan, position: Watermark | undefined): Watermark | undefined {
  if (!position || position.columns.length === 0 || position.columns.length > plan.orderColumns.length)
    return undefined;
  return position.columns.every((c, i) => c === plan.orderColumns[i]) ? position : undefined;
}
