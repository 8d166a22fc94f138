/**
 * The acceptance, with the built CLI and the shipped config: right after `moh-etl demo`, a
 * second `moh-etl run` finds nothing new and passes (exit 0) — quiet nights are not failures — while
 * a demo whose data stopped long ago fails `run` on freshness (exit 1), on every quiet night too.
 * (Needs the build, like test/e2e: `npm run build`.)
 */
import { cpSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { REPO_ROOT } from '../helpers/config-fixture.js';
import { tempDir, type TempDir } from '../helpers/databases.js';
import type { RunRecord } from '../../src/pipeline/summary.js';
import type { SourceReport } from '../../src/validate/result.js';

let dir: TempDir | undefined;
afterEach(() => dir?.remove());

async function demo(args: string[]): Promise<string> {
  dir = await tempDir('moh-etl-quiet-');
  cpSync(path.join(REPO_ROOT, 'config'), path.join(dir.path, 'config'), { recursive: true });
  const r = cli(['demo', '--scale', '0.004', ...args], { cwd: dir.path });
  expect(r.code, r.stderr).toBe(0);
  return dir.path;
}

/** The reports of the latest run, by source. */
function lastReports(root: string): Map<string, SourceReport> {
  const base = path.join(root, 'results/validation');
  const run = readdirSync(base).sort().at(-1)!;
  const files = readdirSync(path.join(base, run)).filter((f) => /^[a-z_]+\.json$/.test(f));
  return new Map(
    files.map((f) => [
      f.slice(0, -5),
      JSON.parse(readFileSync(path.join(base, run, f), 'utf8')) as SourceReport,
    ]),
  );
}

describe('quiet nights with the shipped config', () => {
  it('passes a second run that finds nothing new', async () => {
    const root = await demo(['--days', '20']);
    const first = cli(['run'], { cwd: root });
    expect(first.code, first.stdout + first.stderr).toBe(0);
    const quiet = cli(['run'], { cwd: root });
    expect(quiet.code, quiet.stdout + quiet.stderr).toBe(0);
    const attendances = lastReports(root).get('attendances')!;
    expect([attendances.rows, attendances.scope.empty, attendances.verdict]).toEqual([0, true, 'ok']);
    const statuses = new Set(attendances.checks.filter((c) => c.kind !== 'freshness').map((c) => c.status));
    expect([...statuses]).toEqual(['skipped']);
    expect(attendances.checks.find((c) => c.kind === 'freshness')).toMatchObject({ status: 'pass' });
  });

  it('fails a run, quiet or not, when the feed is a month stale', async () => {
    const root = await demo(['--start-date', '2024-01-01', '--days', '30']);
    expect(cli(['run'], { cwd: root }).code).toBe(1);
    const quiet = cli(['run'], { cwd: root });
    expect(quiet.code).toBe(1);
    const attendances = lastReports(root).get('attendances')!;
    expect(attendances.scope.empty).toBe(true);
    expect(attendances.checks.find((c) => c.kind === 'freshness')).toMatchObject({
      status: 'fail',
      severity: 'error',
    });
    // Recorded as the exit code says: the run and the source failed, the check named (and alerted).
    const runs = path.join(root, 'results/runs');
    const newest = readdirSync(runs)
      .filter((f) => f.endsWith('.json'))
      .sort()
      .at(-1)!;
    const record = JSON.parse(readFileSync(path.join(runs, newest), 'utf8')) as RunRecord;
    expect([record.status, record.exit_code]).toEqual(['failed', 1]);
    const source = record.sources.find((r) => r.source === 'attendances')!;
    expect(source.status).toBe('failed');
    expect(source.error).toMatch(/^error check freshness\(updated_at\) failed on source "attendances"/);
  });
});
