/**
 * The one markdown table scripts/bench.ts prints: per table, the client's references and moh-etl's
 * formats, then the pipeline's national day. Every figure is the median of the repeats; the wall
 * time also shows their range, so a reader sees how much the machine moved between runs.
 */
import type { BenchTable, Role, Sample } from './bench-whole-tools.js';

const MIB = 1024 * 1024;

/** One tool's repeats on one table. */
export interface Result {
  label: string;
  role: Role;
  samples: Sample[];
}

/** The results on one table, in the order they are printed. */
export interface Group {
  table: BenchTable;
  results: Result[];
}

/** The pipeline's row. */
export interface PipelineRow {
  label: string;
  samples: Sample[];
}

export function median(xs: readonly number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

const defined = (xs: (number | undefined)[]): number[] => xs.filter((x): x is number => x !== undefined);

/** Median rows/s: rows over the median wall time (every repeat reads the same rows). */
export function rate(samples: readonly Sample[]): number {
  const wall = median(samples.map((s) => s.wallSeconds)) ?? 0;
  return wall > 0 ? (samples[0]?.rows ?? 0) / wall : 0;
}

const count = (n: number): string => n.toLocaleString('en-US', { maximumFractionDigits: 0 });
const fixed = (n: number | undefined, digits = 2): string => (n === undefined ? '–' : n.toFixed(digits));

/** `1M`, `500k`, `100k`, or the exact count. */
export function short(rows: number): string {
  if (rows % 1_000_000 === 0) return `${rows / 1_000_000}M`;
  if (rows % 1_000 === 0) return `${rows / 1_000}k`;
  return count(rows);
}

function wall(samples: readonly Sample[]): string {
  const ws = samples.map((s) => s.wallSeconds);
  const m = fixed(median(ws));
  return ws.length > 1 ? `${m} (${fixed(Math.min(...ws))}–${fixed(Math.max(...ws))})` : m;
}

const percent = (x: number, reference: number | undefined): string =>
  reference ? `${Math.round((100 * x) / reference)}%` : '–';

const ENGINE = { postgres: 'PostgreSQL', mariadb: 'MariaDB' } as const;

function rssMib(samples: readonly Sample[]): number | undefined {
  const m = median(defined(samples.map((s) => s.peakRssBytes)));
  return m === undefined ? undefined : m / MIB;
}

/** Wall (median and range), rows/s, CPU s and peak RSS MiB: medians of the repeats. */
function cells(samples: readonly Sample[]): string[] {
  return [
    wall(samples),
    count(rate(samples)),
    fixed(median(defined(samples.map((s) => s.cpuSeconds)))),
    fixed(rssMib(samples), 0),
  ];
}

/** The markdown table. */
export function reportTable(groups: readonly Group[], pipeline: PipelineRow | undefined): string[] {
  const lines = [
    '| source | rows | text | tool | wall s, median (range) | rows/s | of client SELECT * | of client ORDER BY pk | CPU s (user+sys) | peak RSS MiB |',
    '| --- | ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const g of groups) {
    const plain = g.results.find((r) => r.role === 'client');
    const ordered = g.results.find((r) => r.role === 'client-ordered');
    const refPlain = plain ? rate(plain.samples) : undefined;
    const refOrdered = ordered ? rate(ordered.samples) : undefined;
    for (const r of g.results) {
      const [w, rs, cpu, rss] = cells(r.samples);
      const own = r.role === 'client' ? ['ref', '–'] : r.role === 'client-ordered' ? ['–', 'ref'] : undefined;
      const [ofPlain, ofOrdered] = own ?? [
        percent(rate(r.samples), refPlain),
        percent(rate(r.samples), refOrdered),
      ];
      const label = r.role === 'moh-etl' ? `**${r.label}**` : r.label;
      lines.push(
        `| ${ENGINE[g.table.engine]} ${g.table.table} | ${short(g.table.rows)} | ${g.table.text} | ${label} | ${w} | ${rs} | ${ofPlain} | ${ofOrdered} | ${cpu} | ${rss} |`,
      );
    }
  }
  if (pipeline) {
    const [w, rs, cpu, rss] = cells(pipeline.samples);
    lines.push(
      `| ${pipeline.label} | ${count(pipeline.samples[0]?.rows ?? 0)} | – | **moh-etl run** (extract → validate → transform → load) | ${w} | ${rs} | – | – | ${cpu} | ${rss} |`,
    );
  }
  return lines;
}

/** "Peak RSS flat": each engine, text and moh-etl format measured at two or more sizes, smallest to largest. */
export function rssBySize(groups: readonly Group[]): string[] {
  const series = new Map<string, { rows: number; mib: number | undefined }[]>();
  for (const g of groups)
    for (const r of g.results.filter((x) => x.role === 'moh-etl')) {
      const key = `${ENGINE[g.table.engine]} ${g.table.text} ${r.label}`;
      series.set(key, [...(series.get(key) ?? []), { rows: g.table.rows, mib: rssMib(r.samples) }]);
    }
  return [...series]
    .filter(([, points]) => points.length > 1)
    .map(
      ([key, points]) =>
        `- ${key}: ${points
          .sort((a, b) => a.rows - b.rows)
          .map((p) => `${short(p.rows)} ${fixed(p.mib, 0)} MiB`)
          .join(' → ')}`,
    );
}
