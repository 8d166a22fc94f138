/**
 * Recovery and failure at each step: a load that fails at each of its steps (the step observer
 * throws; kill.test.ts does the same with real kill -9s), and a crash's leftovers made by hand (a temp
 * link, work and trash directories, a version the switch never reached). Whatever the step, the link names one complete version (the old one before the switch,
 * the new one after), the next load removes the debris and completes. Also: a dataset that cannot be
 * trusted is an error with a hint, not a silent restart, and two loads of one dataset exclude each other.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, symlinkSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DatasetBusy,
  DatasetCorrupt,
  LOAD_STEPS,
  openDatasetStore,
  type LoadRequest,
  type LoadStep,
  type StagedRun,
} from '../../../src/load/index.js';
import {
  COLUMNS,
  config,
  CURSOR,
  KEY,
  readDataset,
  row,
  sorted,
  stage,
  tempRoot,
  type TempRoot,
} from './fixture.js';

let tmp: TempRoot;
beforeEach(() => {
  tmp = tempRoot();
});
afterEach(() => tmp.remove());

const request = (runs: StagedRun[]): LoadRequest => ({
  source: 'attendances',
  runs,
  columns: COLUMNS,
  key_columns: KEY,
  cursor_column: CURSOR,
});

class Crash extends Error {}
const monthly = config({
  sources: {
    attendances: { partition_by: { column: 'visit_date', granularity: 'month', name: 'visit_month' } },
  },
});

describe('recovery after a load stopped at each step', () => {
  for (const at of LOAD_STEPS) {
    it(`stopped after "${at}": one complete version is current, the next load completes`, async () => {
      const first = [row(1n, 1), row(2n, 1), row(3n, 1)];
      const second = [row(2n, 2), row(4n, 2)];
      await openDatasetStore(monthly, tmp.root).merge(request([await stage(tmp.root, 'r1', first)]));
      const crashing = openDatasetStore(monthly, tmp.root, {
        onStep: (_source, step: LoadStep) => {
          if (step === at) throw new Crash(at);
        },
      });
      await expect(crashing.merge(request([await stage(tmp.root, 'r2', second)]))).rejects.toBeInstanceOf(
        Crash,
      );

      const store = openDatasetStore(monthly, tmp.root);
      const switched = LOAD_STEPS.indexOf(at) >= LOAD_STEPS.indexOf('switched');
      const model = new Map(first.map((r) => [r[0] as string, r]));
      if (switched) for (const r of second) model.set(r[0] as string, r);
      expect(store.current('attendances')!.run_ids).toEqual([switched ? 'r2' : 'r1']);
      expect(await readDataset(store.datasetDirectory('attendances'), COLUMNS, true)).toEqual(
        sorted(model.values()),
      );

      const third = [row(5n, 3)];
      const result = await store.merge(request([await stage(tmp.root, 'r3', third)]));
      model.set('5', third[0]!);
      expect(result.rows_after).toBe(model.size);
      expect(await readDataset(store.datasetDirectory('attendances'), COLUMNS, true)).toEqual(
        sorted(model.values()),
      );
      // Nothing left but complete versions (a loaded partition file never sits outside one).
      const left = readdirSync(path.join(tmp.root, 'data/archive/attendances'));
      expect(left.filter((n) => n.startsWith('.'))).toEqual([]);
      expect(readdirSync(path.join(tmp.root, 'data/processed'))).toEqual(['attendances']);
    });
  }

  it('removes a temp link, a work and a trash directory, and a version the switch never reached', async () => {
    const store = openDatasetStore(config(), tmp.root);
    await store.merge(request([await stage(tmp.root, 'r1', [row(1n, 1)])]));
    const current = store.current('attendances')!.version;
    const archive = path.join(tmp.root, 'data/archive/attendances');
    const orphan = 'v000002-20250101T000000000Z';
    cpSync(path.join(archive, current), path.join(archive, orphan), { recursive: true });
    mkdirSync(path.join(archive, `.work-${orphan}`, 'spill'), { recursive: true });
    cpSync(path.join(archive, current), path.join(archive, '.trash-v000000-20240101T000000000Z'), {
      recursive: true,
    });
    symlinkSync(
      `../archive/attendances/${orphan}`,
      path.join(tmp.root, 'data/processed/.attendances.1-abcd.link'),
    );

    const recovery = store.recover('attendances');
    expect(recovery.removed.map((p) => path.basename(p)).sort()).toEqual(
      ['.attendances.1-abcd.link', '.trash-v000000-20240101T000000000Z', `.work-${orphan}`, orphan].sort(),
    );
    expect(readdirSync(archive)).toEqual([current]);
    expect(readdirSync(path.join(tmp.root, 'data/processed'))).toEqual(['attendances']);
    expect(store.current('attendances')!.version).toBe(current);
  });

  it('removes a first version that never became current', async () => {
    const archive = path.join(tmp.root, 'data/archive/attendances');
    const store = openDatasetStore(config(), tmp.root);
    await store.merge(request([await stage(tmp.root, 'r1', [row(1n, 1)])]));
    const first = store.current('attendances')!.version;
    unlinkSync(store.datasetDirectory('attendances'));
    expect(store.recover('attendances').removed).toEqual([path.join(archive, first)]);
    expect(readdirSync(archive)).toEqual([]);
  });
});

describe('a dataset that cannot be trusted', () => {
  it('refuses to merge over a version with a missing file, but a replace rebuilds it', async () => {
    const store = openDatasetStore(config(), tmp.root);
    await store.merge(request([await stage(tmp.root, 'r1', [row(1n, 1), row(2n, 1)])]));
    const meta = store.current('attendances')!;
    unlinkSync(path.join(store.versionDirectory('attendances', meta.version), meta.files[0]!.path));
    const next = request([await stage(tmp.root, 'r2', [row(3n, 2)])]);
    const error = await store.merge(next).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetCorrupt);
    expect((error as DatasetCorrupt).hint).toContain('--mode full');
    const rebuilt = await store.replace(request([await stage(tmp.root, 'full', [row(1n, 3)])]));
    expect(rebuilt.warnings).toHaveLength(1);
    expect(rebuilt.rows_after).toBe(1);
  });

  it('refuses to start over when the link is gone but versions exist', async () => {
    const store = openDatasetStore(config(), tmp.root);
    await store.merge(request([await stage(tmp.root, 'r1', [row(1n, 1)])]));
    const v1 = await store.merge(request([await stage(tmp.root, 'r2', [row(2n, 2)])]));
    unlinkSync(store.datasetDirectory('attendances'));
    const error = await store
      .merge(request([await stage(tmp.root, 'r3', [row(3n, 3)])]))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetCorrupt);
    expect((error as DatasetCorrupt).hint).toContain(`ln -s ../archive/attendances/${v1.version}`);
    expect(existsSync(store.versionDirectory('attendances', v1.version))).toBe(true);
  });

  it('refuses a directory where the link belongs', async () => {
    mkdirSync(path.join(tmp.root, 'data/processed/attendances'), { recursive: true });
    const store = openDatasetStore(config(), tmp.root);
    const error = await store
      .merge(request([await stage(tmp.root, 'r1', [row(1n, 1)])]))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetCorrupt);
    rmSync(path.join(tmp.root, 'data/processed/attendances'), { recursive: true });
  });

  it('lets one load at a time touch a dataset', async () => {
    const store = openDatasetStore(config(), tmp.root);
    const staged = await stage(tmp.root, 'r1', [row(1n, 1)]);
    const [a, b] = await Promise.allSettled([store.merge(request([staged])), store.merge(request([staged]))]);
    const outcomes = [a, b].map((o) =>
      o.status === 'fulfilled' ? 'ok' : o.reason instanceof DatasetBusy ? 'busy' : String(o.reason),
    );
    expect(outcomes.sort()).toEqual(['busy', 'ok']);
  });
});
