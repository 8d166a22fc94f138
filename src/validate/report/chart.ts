/** A small inline SVG bar chart of rows per day: no script, no fonts or images fetched. */
import type { DayCount } from '../result.js';
import { escapeHtml } from './escape.js';

export function dayChart(days: readonly DayCount[], width = 640, height = 120): string {
  if (days.length === 0) return '<p class="muted">No date column, or no rows: no chart.</p>';
  const max = Math.max(...days.map((d) => d.rows), 1);
  const bar = width / days.length;
  const bars = days
    .map((d, i) => {
      const h = Math.max(1, Math.round((d.rows / max) * (height - 20)));
      return `<rect x="${(i * bar).toFixed(2)}" y="${height - 14 - h}" width="${Math.max(1, bar - 1).toFixed(2)}" height="${h}"><title>${escapeHtml(d.day)}: ${d.rows} rows</title></rect>`;
    })
    .join('');
  const first = escapeHtml(days[0]!.day);
  const last = escapeHtml(days[days.length - 1]!.day);
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="rows per day" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    `<g fill="#3b6ea5">${bars}</g>` +
    `<text x="0" y="${height - 2}" font-size="10">${first}</text>` +
    `<text x="${width}" y="${height - 2}" font-size="10" text-anchor="end">${last}</text>` +
    `<text x="${width}" y="10" font-size="10" text-anchor="end">max ${max}/day</text></svg>`
  );
}
