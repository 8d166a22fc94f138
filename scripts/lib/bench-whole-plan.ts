/**
 * What scripts/bench.ts measures, decided from its options before anything runs: the tables (engine,
 * size, text) and, per table, the tools in the order a repeat runs them. Every table gets its
 * engine's client twice (plain and ORDER BY the primary key); CSV and Parquet at the --sizes, Excel
 * at --excel-rows (one sheet holds 1,048,575 rows).
 */
import type { OutputFormat } from '../../src/config/schema.js';
import { sizedTable } from './bench-extract-parts.js';
import type { WholeOptions } from './bench-whole-options.js';
import { cjkTable } from './bench-whole-tables.js';
import {
  CLIENTS,
  mohEtl,
  type BenchTable,
  type Engine,
  type Tool,
  type ToolContext,
} from './bench-whole-tools.js';

/** A table and what runs on it. */
export interface PlannedTable {
  table: BenchTable;
  formats: OutputFormat[];
  /** Key ranges (extraction.split) to measure to CSV beside the unsplit run. */
  ranges: number[];
}

const union = (...lists: number[][]): number[] => [...new Set(lists.flat())].sort((a, b) => a - b);

/** The tables to measure, in report order: PostgreSQL by size (ASCII, then CJK), then MariaDB. */
export function planTables(opts: WholeOptions, engines: ReadonlySet<Engine>): PlannedTable[] {
  const out: PlannedTable[] = [];
  for (const rows of union(opts.sizes, opts.excelRows > 0 ? [opts.excelRows] : [])) {
    const formats: OutputFormat[] = [
      ...(opts.sizes.includes(rows) ? (['csv', 'parquet'] as const) : []),
      ...(rows === opts.excelRows ? (['xlsx'] as const) : []),
    ];
    out.push({
      table: { engine: 'postgres', table: sizedTable(rows), source: `pg_${rows}_ascii`, rows, text: 'ASCII' },
      formats,
      ranges: formats.includes('csv') ? opts.ranges : [],
    });
    if (opts.cjk)
      out.push({
        table: { engine: 'postgres', table: cjkTable(rows), source: `pg_${rows}_cjk`, rows, text: 'CJK' },
        formats,
        ranges: [],
      });
  }
  if (engines.has('mariadb'))
    for (const rows of opts.mariadbSizes)
      out.push({
        table: { engine: 'mariadb', table: sizedTable(rows), source: `mariadb_${rows}`, rows, text: 'ASCII' },
        formats: ['csv', 'parquet'],
        ranges: opts.ranges,
      });
  return out;
}

/** PostgreSQL ASCII tables to build: every size any engine reads (MariaDB's are copied from them). */
export function postgresSizes(plan: readonly PlannedTable[]): { ascii: number[]; cjk: number[] } {
  return {
    ascii: union(plan.map((p) => p.table.rows)),
    cjk: union(plan.filter((p) => p.table.text === 'CJK').map((p) => p.table.rows)),
  };
}

/** The tools of a table: its client plain and ordered, then moh-etl per format, then split to CSV. */
export function toolsFor(ctx: ToolContext, planned: PlannedTable): Tool[] {
  const client = CLIENTS[planned.table.engine];
  return [
    client(ctx, false),
    client(ctx, true),
    ...planned.formats.map((f) => mohEtl(ctx, f)),
    ...planned.ranges.map((r) => mohEtl(ctx, 'csv', r)),
  ];
}

/** Repeat `r` runs the tools rotated by `r`, so no tool always runs first (or right after another). */
export function rotated<T>(items: readonly T[], r: number): T[] {
  const k = items.length ? r % items.length : 0;
  return [...items.slice(k), ...items.slice(0, k)];
}
