/** Shared pieces of the observe tests: temp directories, log lines, synthetic run records. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RunSummary, SourceResult } from '../../../src/pipeline/summary.js';
import { MANIFEST_NAME, MANIFEST_VERSION, type Manifest } from '../../../src/write/layout.js';

export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'moh-observe-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The JSON records of a log file (through its link), in order. */
export function records(file: string): Record<string, unknown>[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

export function source(name: string, over: Partial<SourceResult> = {}): SourceResult {
  return {
    source: name,
    status: 'succeeded',
    mode: 'incremental',
    rows: 100,
    files: [],
    duration_ms: 2000,
    ...over,
  };
}

export function runRecord(sources: SourceResult[], over: Partial<RunSummary> = {}): RunSummary {
  return {
    record_version: 2,
    run_id: '20250301T010000Z-abcd',
    command: 'run',
    trigger: 'cli',
    status: sources.some((s) => s.status === 'failed') ? 'failed' : 'succeeded',
    exit_code: 0,
    started_at: '2025-03-01T01:00:00.000Z',
    finished_at: '2025-03-01T01:00:10.000Z',
    sources,
    ...over,
  };
}

/**
 * A run directory with part files and a manifest, as the extractor leaves it. The manifest's key
 * values are "cell values" (a canary text) that must never reach a log, an audit line or metrics.
 */
export function writeRunFiles(
  dir: string,
  name: string,
  parts: { rows: number; content: string }[],
  keyCanary = 'S1234567D',
): { manifest: string; files: string[] } {
  const runDir = path.join(dir, 'data/raw', name, 'extract_date=2025-03-01', '20250301T010000Z-abcd');
  mkdirSync(runDir, { recursive: true });
  const files = parts.map((p, i) => {
    const file = path.join(runDir, `part-0000${i}.csv`);
    writeFileSync(file, p.content);
    return file;
  });
  const manifest: Manifest = {
    manifest_version: MANIFEST_VERSION,
    run_id: '20250301T010000Z-abcd',
    source: name,
    mode: 'range',
    range: { start: '2025-02-01', end: '2025-02-28' },
    high_water: keyCanary,
    rows: parts.reduce((n, p) => n + p.rows, 0),
    started_at: '2025-03-01T01:00:00.000Z',
    finished_at: '2025-03-01T01:00:05.000Z',
    columns: [{ name: 'nric', type: 'text', nullable: false }],
    key_columns: ['nric'],
    parts: parts.map((p, i) => ({
      file: path.basename(files[i]!),
      rows: p.rows,
      bytes: Buffer.byteLength(p.content),
      sha256: `${String(i).repeat(64)}`.slice(0, 64),
      min_key: { nric: keyCanary },
      max_key: { nric: keyCanary },
    })),
  };
  const file = path.join(runDir, MANIFEST_NAME);
  writeFileSync(file, JSON.stringify(manifest));
  return { manifest: file, files };
}
