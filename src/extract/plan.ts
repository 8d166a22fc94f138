/**
 * Turns a source's configuration and the run's options into a BatchQueryPlan: which template, which
 * filters, which keyset order. The template is probed once (zero rows) for its column types so a
 * date-range bound can match the date column's type.
 */
import type { ExtractionMode, QueryTemplate, SourceConfig } from '../config/schema.js';
import { compileTemplate } from '../config/template.js';
import type { SourceConnection } from '../db/connection.js';
import { SourceError } from '../errors.js';
import type { ColumnSpec } from '../schema/column-types.js';
import { dateRangeFilter, type DateRange } from './date-range.js';
import { probeQuery, type BatchQueryPlan } from './keyset.js';
import type { Watermark } from './state.js';

export interface SourceRequest {
  name: string;
  source: SourceConfig;
  template: QueryTemplate;
  mode: ExtractionMode;
  range?: DateRange;
  timeZone: string;
  batchSize: number;
  watermark?: Watermark;
}

/** What a run does with a source: its mode, or `range` for a --start-date/--end-date slice. */
export type PlanMode = ExtractionMode | 'range';

export interface SourcePlan extends BatchQueryPlan {
  name: string;
  mode: PlanMode;
  range?: DateRange;
  columns: ColumnSpec[];
  /** Where to start: the stored watermark for an incremental run, else the beginning. */
  startAfter?: readonly unknown[];
  /** Why the date range was not applied, when it was not. */
  note?: string;
}

export async function planSource(conn: SourceConnection, req: SourceRequest): Promise<SourcePlan> {
  const { dialect } = conn;
  const sql = req.template.dialects[conn.dialect.name] ?? req.template.sql;
  const template = compileTemplate(sql, req.source.params);
  const probe = probeQuery(dialect, template);
  const { columns: probed } = await dialect.query(conn.knex, probe.sql, probe.bindings);
  const pk = new Set(req.source.primary_key);
  const columns = probed.map((c) => ({ ...c, nullable: !pk.has(c.name) }));
  const typeOf = (col: string, key: string) => {
    const found = columns.find((c) => c.name === col);
    if (!found) {
      throw new SourceError(`source "${req.name}": ${key} "${col}" is not a column of its query`, {
        hint: `columns are: ${columns.map((c) => c.name).join(', ')}`,
      });
    }
    return found.type;
  };
  req.source.primary_key.forEach((k) => typeOf(k, 'primary_key column'));

  const filters = [];
  let note: string | undefined;
  if (req.range) {
    if (req.source.date_column) {
      const type = typeOf(req.source.date_column, 'date_column');
      filters.push(dateRangeFilter(dialect, req.source.date_column, type, req.range, req.timeZone));
    } else {
      note = 'no date_column: the date range does not apply, extracted in full';
    }
  }

  // A date-range run reads its slice in primary-key order and never touches the watermark.
  const incremental = req.mode === 'incremental' && !req.range;
  const cursor = req.source.cursor_column;
  if (incremental && cursor) typeOf(cursor, 'cursor_column');
  const orderColumns =
    incremental && cursor ? [cursor, ...req.source.primary_key] : [...req.source.primary_key];
  const watermark =
    incremental && req.watermark && sameColumns(req.watermark.columns, orderColumns)
      ? req.watermark
      : undefined;

  return {
    name: req.name,
    mode: req.range ? 'range' : req.mode,
    range: req.range,
    columns,
    template,
    filters,
    orderColumns,
    batchSize: req.batchSize,
    startAfter: watermark?.values,
    note,
  };
}

function sameColumns(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((c, i) => c === b[i]);
}
