/**
 * After an extraction, the checks cover exactly what it read: the date range, the whole source
 * (full), or the increment from the position it started at up to its high-water mark. The start
 * is read from the state before the extraction (an unfinished run's own start, else the
 * watermark); the high-water mark, range and rows written from the run's manifest afterwards.
 */
import { readFileSync } from 'node:fs';
import type { StateStore, Watermark } from '../extract/state.js';
import type { Manifest } from '../write/layout.js';
import type { CheckScope } from '../validate/scope.js';
import type { SourceResult } from './summary.js';

export function startPositions(
  store: StateStore,
  sources: readonly string[],
): Record<string, Watermark | undefined> {
  return Object.fromEntries(
    sources.map((s) => {
      const state = store.read(s);
      return [s, state.pending ? state.pending.start : state.watermark];
    }),
  );
}

export function extractedScopes(
  results: readonly SourceResult[],
  starts: Record<string, Watermark | undefined>,
): Record<string, CheckScope> {
  const scopes: Record<string, CheckScope> = {};
  for (const r of results) {
    if (!r.manifest) continue;
    const m = JSON.parse(readFileSync(r.manifest, 'utf8')) as Manifest;
    if (m.range) scopes[r.source] = { kind: 'range', range: m.range, written: m.rows };
    else if (m.mode === 'incremental')
      scopes[r.source] = {
        kind: 'incremental',
        start: starts[r.source],
        highWater: m.high_water,
        written: m.rows,
      };
    else scopes[r.source] = { kind: 'full', written: m.rows };
  }
  return scopes;
}
