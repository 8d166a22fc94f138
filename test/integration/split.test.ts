/**
 * Full and date-range runs split into key ranges read concurrently (extract/split*.ts,
 * pipeline/split-*.ts), against a run of the same table with ranges 1: every key once, the same
 * values, the manifest in key order; the staged companion and the batch observer see every row
 * once; a signal commits every range's part in progress; a resume reuses the stored boundaries; a
 * missing part rewinds only its range; skewed keys, date keys, text keys and the pool cap.
 *
 * SQLite is not split (one connection: `pool.max` is 1), which the run says; its output is checked
 * equal to the unsplit run all the same.
 */
import { createHash } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import type { PendingRun } from '../../src/extract/state.js';
import { csvRows } from '../helpers/csv.js';
import { describeEachDialect } from '../helpers/databases.js';
import { readState } from '../helpers/project.js';
import { createTables, N, SPLIT, splitFixture } from './split-fixture.js';

describeEachDialect('key-range splits', (target, connection) => {
  const splits = target.dialect !== 'sqlite';
  beforeAll(() => createTables(connection));
  const { project, extract, output, baseline } = splitFixture(connection);

  it('reads every key once with the values of an unsplit run, listed in key order', async () => {
    const loaded = await project({ split: SPLIT });
    const seen = new Map<string, number>();
    const result = await extract(loaded, 'events', {
      stage: true,
      onBatch: (b) => b.rows.forEach((r) => seen.set(String(r[0]), (seen.get(String(r[0])) ?? 0) + 1)),
    });
    const { rows, manifest } = output(loaded, 'events');
    expect(rows).toEqual(await baseline('events'));
    expect(rows).toHaveLength(N);
    // The batch observer (row checks) saw every row exactly once, whichever range read it.
    expect(seen.size).toBe(N);
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
    // The staged companion of every part holds that part's rows; the run lists them in key order.
    expect(result.staged).toHaveLength(manifest.parts.length);
    expect(result.staged!.flatMap((f) => csvRows(f))).toEqual(rows);
    if (splits) {
      expect(manifest.split?.column).toBe('id');
      expect(manifest.split?.bounds).toHaveLength(3);
      const ranges = manifest.parts.map((p) => p.range!);
      expect(ranges).toEqual([...ranges].sort((a, b) => a - b));
      expect(new Set(ranges)).toEqual(new Set([0, 1, 2, 3]));
      expect(new Set(manifest.parts.map((p) => p.file)).size).toBe(manifest.parts.length);
      expect(result.warnings).toBeUndefined();
    } else {
      expect(manifest.split).toBeUndefined();
      expect(result.warnings?.join('\n')).toMatch(/not split: connection "src" reads on one connection/);
    }
  });

  it('a date-range run splits on the date of a (date, seq) key', async () => {
    const range = { start: '2025-01-05', end: '2025-02-10' };
    const loaded = await project({ split: { ranges: 3, min_rows: 0 } });
    await extract(loaded, 'visits', { range });
    const { rows, manifest } = output(loaded, 'visits');
    const want = await baseline('visits', range);
    expect(rows).toEqual(want);
    expect(want.length).toBeGreaterThan(N / 2);
    expect(want.length).toBeLessThan(N);
    if (splits) {
      expect(manifest.split?.column).toBe('visit_date');
      expect(manifest.split?.bounds).toHaveLength(2);
    }
  });

  it('a skewed key gives uneven ranges and still every row once', async () => {
    const loaded = await project({ split: SPLIT });
    await extract(loaded, 'skewed');
    const { rows, manifest } = output(loaded, 'skewed');
    expect(rows).toEqual(await baseline('skewed'));
    if (splits) {
      const perRange = [0, 1, 2, 3].map((r) =>
        manifest.parts.filter((p) => p.range === r).reduce((n, p) => n + p.rows, 0),
      );
      expect(perRange.reduce((a, b) => a + b)).toBe(N);
      expect(perRange[0]).toBeGreaterThanOrEqual(N * 0.95);
    }
  });

  it('stops on a signal with every range’s part committed, and resumes from the stored boundaries', async () => {
    const loaded = await project({ split: SPLIT, partRows: 150 });
    const stop = new AbortController();
    let reported = 0;
    const endpoints = { n: 0 };
    await expect(
      extract(loaded, 'events', {
        signal: stop.signal,
        endpoints,
        onProgress: (rows) => {
          reported = rows;
          if (rows >= N / 2) stop.abort('SIGTERM');
        },
      }),
    ).rejects.toThrow(/stopped after \d+ rows/);
    const pending = readState(loaded, 'events').pending!;
    // Nothing read is thrown away: the rows last reported are all in committed parts.
    expect(pending.rows).toBe(reported);
    expect(pending.rows).toBeLessThan(N);
    if (splits) {
      expect(endpoints.n).toBe(1);
      expect(pending.split?.bounds).toHaveLength(3);
      expect(new Set(pending.parts.map((p) => p.range)).size).toBeGreaterThan(1);
      const indexes = pending.parts.map((p) => p.index);
      expect(new Set(indexes).size).toBe(indexes.length);
    }
    const bounds = pending.split?.bounds;
    endpoints.n = 0;
    await extract(loaded, 'events', { endpoints });
    expect(endpoints.n).toBe(0);
    const { rows, manifest } = output(loaded, 'events');
    expect(manifest.split?.bounds).toEqual(bounds);
    expect(rows).toEqual(await baseline('events'));
  });

  // SQLite reads on one connection and is never split: the two tests below have no ranges to test there.
  const unsplit = splits ? '' : ' (skipped: SQLite is never split, one connection)';
  it.skipIf(!splits)(`a missing part rewinds only its own range${unsplit}`, async () => {
    const loaded = await project({ split: SPLIT, partRows: 100 });
    const stop = new AbortController();
    await expect(
      extract(loaded, 'events', {
        signal: stop.signal,
        onProgress: (rows) => rows >= N * 0.6 && stop.abort('SIGINT'),
      }),
    ).rejects.toThrow(/stopped/);
    const pending = readState(loaded, 'events').pending!;
    const victim = victimPart(pending);
    const kept = pending.parts.filter(
      (p) => p !== victim.part && (p.range !== victim.part.range || p.index! < victim.part.index!),
    );
    const before = new Map(kept.map((p) => [p.files[0]!, sha(path.join(pending.directory, p.files[0]!))]));
    rmSync(path.join(pending.directory, victim.part.files[0]!));
    await extract(loaded, 'events');
    const { rows, manifest } = output(loaded, 'events');
    expect(rows).toEqual(await baseline('events'));
    // Every part of the other ranges (and the victim's range before it) is the file committed then.
    const listed = new Map(manifest.parts.map((p) => [p.file, p.sha256]));
    for (const [file, digest] of before) expect(listed.get(file), file).toBe(digest);
    expect(listed.has(victim.part.files[0]!)).toBe(false);
  });

  it('text keys are not split, and the run says why', async () => {
    const loaded = await project({ split: SPLIT });
    const result = await extract(loaded, 'codes');
    expect(output(loaded, 'codes').manifest.split).toBeUndefined();
    expect(result.warnings?.join('\n')).toMatch(
      /not split into 4 key ranges: the first key column "code" is string/,
    );
  });

  it.skipIf(!splits)(
    `ranges are capped by pool.max, with a warning; small tables are not split${unsplit}`,
    async () => {
      const capped = await project({ split: SPLIT, pool: 2 });
      const result = await extract(capped, 'events');
      expect(output(capped, 'events').manifest.split?.bounds).toHaveLength(1);
      expect(result.warnings?.join('\n')).toMatch(
        /split into 2 key ranges, not 4: connection "src" has pool.max 2/,
      );
      const small = await project({ split: { ranges: 4, min_rows: 1_000_000 } });
      const unsplitResult = await extract(small, 'events');
      expect(output(small, 'events').manifest.split).toBeUndefined();
      expect(unsplitResult.warnings).toBeUndefined();
    },
  );
});
/** A part of a range that has at least two parts, not its first: its range must rewind to the part before. */
function victimPart(pending: PendingRun): { part: PendingRun['parts'][number] } {
  for (let r = 0; r < (pending.split?.ranges.length ?? 0); r++) {
    const own = pending.parts.filter((p) => p.range === r).sort((a, b) => a.index! - b.index!);
    if (own.length >= 2) return { part: own[1]! };
  }
  throw new Error('no range has two committed parts');
}

function sha(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}
