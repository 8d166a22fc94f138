/**
 * The single-file HTML report an analyst opens without a terminal: per source the verdict, a
 * rows-per-day chart, every check with its observed value, threshold and null policy, and the
 * masked failing-row samples. Inline CSS and SVG only: nothing is fetched from the network.
 */
import type { CheckResult, SourceReport } from '../result.js';
import { dayChart } from './chart.js';
import { escapeHtml as e } from './escape.js';

const STYLE = `body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:.5em 0}
td,th{border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top}.pass{color:#1a7f37}.warn{color:#9a6700}
.fail,.error{color:#cf222e;font-weight:bold}.skipped,.muted{color:#777}details{margin:.2em 0}code{font-size:12px}`;

export function renderHtml(runId: string, reports: readonly SourceReport[]): string {
  const body = reports.map(sourceSection).join('\n');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>moh-etl validation ${e(runId)}</title><style>${STYLE}</style></head>
<body><h1>Validation run ${e(runId)}</h1>
<table><tr><th>source</th><th>rows</th><th>verdict</th><th>checks failed</th></tr>
${reports.map((r) => `<tr><td><a href="#${anchor(r)}">${e(label(r))}</a></td><td>${r.rows}</td><td class="${r.verdict === 'ok' ? 'pass' : 'fail'}">${r.verdict}</td><td>${r.checks.filter((c) => c.status === 'fail' || c.status === 'error').length} of ${r.checks.length}</td></tr>`).join('\n')}
</table>${body}</body></html>\n`;
}

function sourceSection(r: SourceReport): string {
  return `<h2 id="${anchor(r)}">${e(label(r))} — ${r.verdict}</h2>
<p>${r.rows} rows in scope: ${e(r.scope.description)}${r.error ? ` <span class="fail">${e(r.error)}</span>` : ''}</p>
${dayChart(r.days)}
<table><tr><th>check</th><th>severity</th><th>status</th><th>failed</th><th>%</th><th>NULL</th><th>threshold</th><th>detail</th></tr>
${r.checks.map(checkRow).join('\n')}</table>`;
}

/** A source's dataset-scope report sits beside its increment report: its own label and anchor. */
const label = (r: SourceReport): string => (r.scope.kind === 'dataset' ? `${r.source} (dataset)` : r.source);
const anchor = (r: SourceReport): string => e(r.scope.kind === 'dataset' ? `${r.source}-dataset` : r.source);

function checkRow(c: CheckResult): string {
  const t = c.threshold;
  const threshold = t.after
    ? Object.entries(t.after)
        .map(([level, age]) => `${level} after ${e(String(age))}`)
        .join(', ')
    : `fail &gt; ${e(String(t.fail))}${t.warn === undefined ? '' : `, warn &gt; ${e(String(t.warn))}`} of ${t.denominator}`;
  const nulls =
    c.observed.nulls === undefined ? '' : `${c.observed.nulls}${c.null_policy ? ` (${c.null_policy})` : ''}`;
  return `<tr><td><code>${e(c.id)}</code></td><td>${c.severity}</td><td class="${c.status}">${c.status}</td><td>${c.observed.failed}</td><td>${c.observed.percent}</td><td>${nulls}</td><td>${threshold}</td><td>${e(c.message)}${samples(c)}</td></tr>`;
}

function samples(c: CheckResult): string {
  if (c.samples.length === 0) return '';
  const cols = Object.keys(c.samples[0]!);
  const head = cols.map((k) => `<th>${e(k)}</th>`).join('');
  const rows = c.samples
    .map(
      (s) =>
        `<tr>${cols.map((k) => `<td>${s[k] === null ? '<i>NULL</i>' : e(String(s[k]))}</td>`).join('')}</tr>`,
    )
    .join('');
  return `<details><summary>${c.samples.length} sample rows</summary><table><tr>${head}</tr>${rows}</table></details>`;
}
