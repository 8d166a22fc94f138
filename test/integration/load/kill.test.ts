/**
 * kill -9 of a process that is loading: at each step of a load (the child kills itself there), then at
 * random moments (the parent kills it). After every kill, exactly one complete version is current
 * — every file as its metadata says (bytes and sha256), the rows exactly the model after the runs it
 * records — and the next load completes; at the end the dataset is the model after every run and
 * archive retention held. Rerun a plan with MOH_LOAD_KILL_SEED=<seed>.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOAD_STEPS, openDatasetStore, type LoadRequest } from '../../../src/load/index.js';
import type { Row } from '../../../src/schema/column-types.js';
import { buildChild } from './child-build.js';
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
import { TASK_VAR, type ChildTask } from './load-child.js';

const SEED = process.env.MOH_LOAD_KILL_SEED ? Number(process.env.MOH_LOAD_KILL_SEED) : Date.now() % 1_000_000;
console.log(`[load kill] seed ${SEED} (rerun with MOH_LOAD_KILL_SEED=${SEED})`);
const RUNS = 24;
const RANDOM_KILLS = 4;
const CONFIG = {
  memory_limit: '128MB',
  threads: 1,
  keep_versions: 2,
  sources: {
    attendances: { partition_by: { column: 'visit_date', granularity: 'month', name: 'visit_month' } },
  },
};

/** mulberry32 */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

let tmp: TempRoot;
let script: string;
const requests: LoadRequest[] = [];
/** models[k]: the dataset after runs 0…k. */
const models: Row[][] = [];

beforeAll(async () => {
  tmp = tempRoot('moh-load-kill-');
  script = buildChild(path.resolve(import.meta.dirname, 'load-child.ts'), path.join(tmp.root, 'child'));
  const random = prng(SEED);
  const model = new Map<string, Row>();
  for (let run = 0; run < RUNS; run++) {
    const rows: Row[] = [];
    for (let i = 0; i < 150; i++) {
      const id = BigInt(Math.floor(random() * 600));
      const month = `2025-0${1 + Math.floor(random() * 4)}`; // keys move between partitions
      rows.push(row(id, run * 1000 + i + 1, { month }));
    }
    for (const r of rows) model.set(r[0] as string, r);
    models.push(sorted(model.values()));
    const staged = await stage(tmp.root, `run-${run}`, rows, 2);
    requests.push({
      source: 'attendances',
      runs: [staged],
      columns: COLUMNS,
      key_columns: KEY,
      cursor_column: CURSOR,
    });
  }
});
afterAll(() => tmp.remove());

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
}

/** Run the child; with `killAfterMs`, SIGKILL it that long after it says "start" (its modules loaded). */
function runChild(task: ChildTask, killAfterMs?: number): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script], {
      env: { ...process.env, [TASK_VAR]: JSON.stringify(task) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let timer: NodeJS.Timeout | undefined;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (killAfterMs !== undefined && timer === undefined && out.startsWith('start\n'))
        timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    });
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, out });
    });
  });
}

const store = () => openDatasetStore(config(CONFIG), tmp.root);

/** The current version is complete and exactly a model; returns how many runs it holds. */
async function checkCurrent(): Promise<number> {
  const s = store();
  const meta = s.current('attendances')!;
  const loaded = Number(meta.run_ids[0]!.slice('run-'.length)) + 1;
  const dir = s.versionDirectory('attendances', meta.version);
  for (const f of meta.files) {
    const bytes = readFileSync(path.join(dir, f.path));
    expect({ file: f.path, sha256: createHash('sha256').update(bytes).digest('hex') }).toEqual({
      file: f.path,
      sha256: f.sha256,
    });
  }
  expect(await readDataset(s.datasetDirectory('attendances'), COLUMNS, true)).toEqual(models[loaded - 1]);
  return loaded;
}

const pending = (loaded: number): ChildTask => ({
  root: tmp.root,
  config: CONFIG,
  requests: requests.slice(loaded),
});

describe('kill -9 during loads', () => {
  it('leaves one complete version current at every step and at random moments; the next load completes', async () => {
    await store().merge(requests[0]!);
    let loaded = await checkCurrent();

    for (const step of LOAD_STEPS) {
      const exit = await runChild({ ...pending(loaded), killAt: { load: 0, step } });
      expect({ step, signal: exit.signal }).toEqual({ step, signal: 'SIGKILL' });
      const now = await checkCurrent();
      // Killed before the switch: the old version; at or after it: the new one.
      expect({ step, loaded: now }).toEqual({
        step,
        loaded: loaded + (LOAD_STEPS.indexOf(step) >= LOAD_STEPS.indexOf('switched') ? 1 : 0),
      });
      loaded = now;
    }

    const random = prng(SEED + 1);
    const landed: string[] = [];
    for (let k = 0; k < RANDOM_KILLS && loaded < RUNS; k++) {
      const exit = await runChild(pending(loaded), Math.floor(random() * 200));
      const now = await checkCurrent();
      landed.push(`${exit.signal ?? `exit ${exit.code}`}: ${loaded} → ${now} runs`);
      expect(exit.signal, 'the kill landed while loads were pending').toBe('SIGKILL');
      loaded = now;
    }
    console.log(`[load kill] random kills: ${landed.join('; ')}`);

    const final = await runChild(pending(loaded));
    expect(final.code, final.out).toBe(0);
    expect(await checkCurrent()).toBe(RUNS);
    // Retention held (current + keep_versions), and nothing else is left in the archive.
    const archive = readdirSync(path.join(tmp.root, 'data/archive/attendances'));
    expect(archive.filter((n) => n.startsWith('v'))).toHaveLength(3);
    expect(archive.filter((n) => !n.startsWith('v'))).toEqual([]);
  });
});
