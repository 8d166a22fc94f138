/**
 * Row checks in the extract pass (`moh-etl run`): the validators fed by the batches the extraction
 * writes give exactly the counts of `validate` reading the rows itself, and are used only when they
 * saw every written row once. A retried attempt re-reads the part that was not committed (its
 * earlier validator is dropped); a run resumed after a crash wrote its first parts in another
 * process, so the validate step re-reads the scope for the row checks.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { LoadedConfig } from '../../src/config/load.js';
import { silentLogger, type Logger } from '../../src/observe/logger.js';
import { runExtract, type ExtractOptions } from '../../src/pipeline/extract-step.js';
import { ExtractPassChecks } from '../../src/pipeline/row-checks.js';
import type { RunSummary } from '../../src/pipeline/summary.js';
import { extractedScopes } from '../../src/pipeline/validate-scope.js';
import { runValidate, type ValidationRun } from '../../src/pipeline/validate-step.js';
import { describeEachDialect, tempDir, type TempDir } from '../helpers/databases.js';
import { loadDemo, projectFor } from '../helpers/demo-source.js';

const SYNTH = { seed: 5, scale: 0.004, days: 6, startDate: '2025-01-01', dirtyRate: 0.03 };
/** Sources with row-level checks (type, pattern) in config/database.yml. */
const SOURCES = ['patients', 'attendances'];
const NOW = new Date('2025-02-01T00:00:00Z');
const PART_ROWS = 400;

/** A logger whose lines the test can read. */
function collectingLogger(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { log: pino({ level: 'info' }, sink), lines };
}

/** What a report says per check, without timings and run ids (history-based checks left out). */
function outcome(run: ValidationRun) {
  return run.reports.map((r) => ({
    source: r.source,
    rows: r.rows,
    error: r.error,
    checks: r.checks
      .filter((c) => !c.id.startsWith('row_count'))
      .map((c) => ({ id: c.id, status: c.status, observed: c.observed, samples: c.samples })),
  }));
}

const rereads = (lines: string[]) => lines.filter((l) => l.includes('row checks re-read the scope'));

describeEachDialect('row checks in the extract pass', (target, connection) => {
  let dir: TempDir;
  let loaded: LoadedConfig;

  beforeEach(async () => {
    dir = await tempDir();
    await loadDemo(connection(), SYNTH);
    loaded = projectFor(dir.path, connection(), {
      extraction: { batch_size: 97, retry: { attempts: 3, min_delay: '1ms', max_delay: '5ms' } },
      output: { part_rows: PART_ROWS },
    });
  });
  afterEach(() => dir.remove());

  const extract = (checks: ExtractPassChecks, observer?: ExtractOptions['batchObserver']) =>
    runExtract(
      loaded,
      { sources: SOURCES, mode: 'full', batchObserver: observer ?? checks.observer },
      silentLogger(),
    );

  const validateBoth = async (summary: RunSummary, checks: ExtractPassChecks) => {
    const scopes = extractedScopes(summary.sources, {});
    const { log, lines } = collectingLogger();
    const inPass = await runValidate(
      loaded,
      { sources: SOURCES, scopes, now: NOW, streamed: checks.validators() },
      log,
    );
    const alone = await runValidate(loaded, { sources: SOURCES, scopes, now: NOW }, silentLogger());
    return { inPass, alone, lines };
  };

  it('gives the counts of a separate read, without reading again', async () => {
    const checks = new ExtractPassChecks(loaded, NOW);
    const summary = await extract(checks);
    expect(summary.status).toBe('succeeded');
    for (const s of summary.sources) expect(checks.validators()[s.source]!.rows).toBe(s.rows);

    const { inPass, alone, lines } = await validateBoth(summary, checks);
    expect(outcome(inPass)).toEqual(outcome(alone));
    expect(rereads(lines)).toEqual([]);
    // The dirty rows make the comparison meaningful: row checks saw NULLs, which a validator that
    // missed or repeated rows would count differently.
    const streamed = inPass.reports.flatMap((r) => r.checks.filter((c) => c.engine === 'stream'));
    expect(streamed.map((c) => c.id)).toContain('type');
    expect(streamed.some((c) => (c.observed.nulls ?? 0) > 0 || c.observed.failed > 0)).toBe(true);
  });

  it('drops what a retried attempt saw before it resumed', async () => {
    const checks = new ExtractPassChecks(loaded, NOW);
    // Attempt 1 fails with a transient error before its first part is committed; attempt 2 starts
    // over from the beginning, so its validator alone saw every row, once.
    const code = target.dialect === 'sqlite' ? 'SQLITE_BUSY' : 'ECONNRESET';
    let failed = false;
    const summary = await extract(checks, (source, attempt) => {
      const observe = checks.observer(source);
      let seen = 0;
      return (batch) => {
        observe?.(batch);
        seen += batch.rows.length;
        if (source === 'patients' && attempt === 1 && seen > PART_ROWS / 2 && !failed) {
          failed = true;
          throw Object.assign(new Error('connection reset (test)'), { code });
        }
      };
    });
    expect(failed).toBe(true);
    expect(summary.status).toBe('succeeded');
    const patients = summary.sources.find((s) => s.source === 'patients')!;
    expect(checks.validators().patients!.rows).toBe(patients.rows);

    const { inPass, alone, lines } = await validateBoth(summary, checks);
    expect(outcome(inPass)).toEqual(outcome(alone));
    expect(rereads(lines)).toEqual([]);
  });

  it('re-reads the scope when the run resumed parts committed by another process', async () => {
    // The first process "crashes" (a non-transient error) after committing a part of patients.
    const crashed = new ExtractPassChecks(loaded, NOW);
    const first = await extract(crashed, (source) => {
      const observe = crashed.observer(source);
      let seen = 0;
      return (batch) => {
        observe?.(batch);
        seen += batch.rows.length;
        if (source === 'patients' && seen > PART_ROWS * 1.5) throw new Error('crash (test)');
      };
    });
    expect(first.sources.find((s) => s.source === 'patients')!.status).toBe('failed');

    const checks = new ExtractPassChecks(loaded, NOW);
    const summary = await extract(checks);
    expect(summary.status).toBe('succeeded');
    const patients = summary.sources.find((s) => s.source === 'patients')!;
    expect(checks.validators().patients!.rows).toBeLessThan(patients.rows);

    const { inPass, alone, lines } = await validateBoth(summary, checks);
    expect(outcome(inPass)).toEqual(outcome(alone));
    expect(rereads(lines).map((l) => (JSON.parse(l) as { source: string }).source)).toEqual(['patients']);
  });
});
