/**
 * kill -9 of the built CLI during full runs split into four key ranges, then runs again until one
 * exits 0: whatever the moment (planning the boundaries, any range mid-part, between a part's rename
 * and its checkpoint, two ranges checkpointing at once, the manifest), every finished run directory
 * holds exactly the rows of an unsplit run of the same table — every key once, every value equal —
 * in key order, and nothing is left pending or half-written.
 *
 * Kill points come from a seeded PRNG, anchored on the checkpoint (a number of committed parts, then
 * a delay), so they land at the same place in the work however loaded the machine is. Rerun with
 *   MOH_SPLIT_CRASH_SEED=<seed> npx vitest run test/integration/split-crash.test.ts
 * SQLite is left out: it is not split (one connection).
 */
import path from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import type { LoadedConfig } from '../../src/config/load.js';
import { cli } from '../helpers/cli.js';
import { dialects, describeEachDialect, tempDir } from '../helpers/databases.js';
import {
  committedParts,
  describeOutcome,
  runCliChild,
  type CliOutcome,
} from '../helpers/faults/cli-child.js';
import { prng, seedFrom } from '../helpers/pipeline/prng.js';
import { readRun, readState, runDirectories, tempFilesUnder, writeTableProject } from '../helpers/project.js';
import { dialectSql, insertRows, openClient } from '../helpers/sql.js';

const ROWS = 6_000;
const PART_ROWS = 300;
/** Kills that must land (the process still running when SIGKILL arrives), per dialect. */
const KILLS = 8;
const SEED = seedFrom('MOH_SPLIT_CRASH_SEED');
console.log(`[split crash] seed ${SEED} (rerun with MOH_SPLIT_CRASH_SEED=${SEED})`);

const ARGS = ['extract', '--sources', 'events', '--mode', 'full'];

describeEachDialect(
  'kill -9 during a full run split into key ranges',
  (target, connection) => {
    let unsplit: string[][];
    beforeAll(async () => {
      const db = await openClient(connection());
      const d = dialectSql(db.dialect);
      try {
        await db.exec(
          `CREATE TABLE events (id BIGINT PRIMARY KEY, updated_at ${d.timestampType} NOT NULL, payload TEXT)`,
        );
        const ts = d.bindTimestamp('2025-03-01T08:00:00.123456Z');
        const specials = ['plain', 'with, comma', 'a "quote"', 'two\nlines', 'ünïcödé 診所'];
        const rows = Array.from({ length: ROWS }, (_, i) => [i * 5 + 2, ts, `${i} ${specials[i % 5]!}`]);
        await insertRows(db, 'events', ['id', 'updated_at', 'payload'], rows);
      } finally {
        await db.close();
      }
      const reference = await project(1);
      const r = cli(ARGS, { cwd: reference.root });
      expect(r.code, r.stderr).toBe(0);
      unsplit = finishedRows(reference);
      expect(unsplit).toHaveLength(ROWS);
    });

    async function project(ranges: number): Promise<LoadedConfig> {
      const root = (await tempDir('moh-etl-split-crash-')).path;
      return writeTableProject(root, connection(), {
        sources: {
          events: {
            sql: 'SELECT id, updated_at, payload FROM events',
            primary_key: ['id'],
            cursor_column: 'updated_at',
            mode: 'full',
            timezone: dialectSql(connection().dialect).sourceTimezone,
          },
        },
        extraction: { batch_size: 97, settle_lag: '0s', split: { ranges, min_rows: 0 } },
        output: { part_rows: PART_ROWS },
      });
    }

    /** Rows of every finished run, each checked against its manifest; one list per run. */
    function finishedRuns(loaded: LoadedConfig): string[][][] {
      return runDirectories(path.join(loaded.root, 'data/raw'), 'events').map((run) => {
        const content = readRun(run);
        expect(content.problems, run.dir).toEqual([]);
        return content.rows;
      });
    }

    function finishedRows(loaded: LoadedConfig): string[][] {
      const runs = finishedRuns(loaded);
      expect(runs).toHaveLength(1);
      return runs[0]!;
    }

    it('SIGTERM stops every range at a part boundary (exit 143), and the next run completes', async () => {
      const loaded = await project(4);
      const stateFile = path.join(loaded.root, 'data/state/events.json');
      const run = await runCliChild({
        cwd: loaded.root,
        args: ARGS,
        stateFile,
        faults: [{ afterParts: 3, inject: (child) => void child.child.kill('SIGTERM') }],
      });
      expect(run.code, describeOutcome(run)).toBe(143);
      const pending = readState(loaded, 'events').pending!;
      expect(pending.rows).toBeLessThan(ROWS);
      // Whatever each range had read went into a committed part: no file but the committed ones.
      const dir = runDirectories(path.join(loaded.root, 'data/raw'), 'events')[0]!;
      expect(dir.entries).toEqual(pending.parts.map((p) => p.files[0]!).sort());
      const next = cli(ARGS, { cwd: loaded.root });
      expect(next.code, next.stderr).toBe(0);
      expect(finishedRows(loaded)).toEqual(unsplit);
    });

    it('every finished run holds the unsplit run’s rows exactly, in key order', async () => {
      const random = prng(SEED + target.name.length);
      const loaded = await project(4);
      const stateFile = path.join(loaded.root, 'data/state/events.json');
      const landed: string[] = [];
      let finished = 0;
      let runs = 0;
      while (landed.length < KILLS && runs < KILLS * 3) {
        runs++;
        const before = committedParts(stateFile) ?? 0;
        // 0 extra parts: as soon as the run has recorded itself (boundaries stored, nothing read).
        const afterParts = before + Math.floor(random() * (ROWS / PART_ROWS));
        const delayMs = Math.round(random() * 40);
        const run: CliOutcome = await runCliChild({
          cwd: loaded.root,
          args: ARGS,
          stateFile,
          timeoutMs: 120_000,
          faults: [
            {
              afterParts,
              inject: async (child) => {
                await new Promise((r) => setTimeout(r, delayMs));
                child.child.kill('SIGKILL');
              },
            },
          ],
        });
        const pending = readState(loaded, 'events').pending;
        if (run.signal === 'SIGKILL') {
          landed.push(`at ${afterParts} parts + ${delayMs} ms: ${pending?.rows ?? 'no'} rows pending`);
          if (pending) expect(pending.split?.bounds, 'boundaries stored with the run').toHaveLength(3);
        } else {
          expect(run.code, describeOutcome(run)).toBe(0);
          finished++;
        }
      }
      // Finish whatever is pending.
      const last = cli(ARGS, { cwd: loaded.root });
      expect(last.code, last.stderr).toBe(0);
      finished++;
      console.log(
        `[split crash] ${target.name}, seed ${SEED}: ${landed.length} kills landed, ${finished} runs finished\n  ${landed.join('\n  ')}`,
      );
      expect(landed.length).toBe(KILLS);
      const all = finishedRuns(loaded);
      // A kill after the run recorded its success (before the process exited) finished one more.
      expect(all.length).toBeGreaterThanOrEqual(finished);
      for (const rows of all) expect(rows).toEqual(unsplit);
      expect(readState(loaded, 'events').pending).toBeUndefined();
      // The output only: a kill -9 during a state write leaves that write's temporary file in the
      // state directory (as for an unsplit run); the state itself is always whole.
      expect(tempFilesUnder(path.join(loaded.root, 'data/raw'))).toEqual([]);
    }, 300_000);
  },
  dialects.filter((d) => d.dialect !== 'sqlite'),
);
