/**
 * One case end to end: write its project, run its command (in process or as a child), judge the
 * outcome and what changed on disk, retire the project. Also where projects live, and the small
 * demo database that `check` probes templates against.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { createDemoDatabase } from '../../../src/synth/index.js';
import type { FuzzCase } from './cases.js';
import { changes, filesWithCanary, listing, writeProject } from './project.js';
import type { Outcome } from './run-in-process.js';
import { judge } from './verdict.js';

export type Runner = (cwd: string, args: string[], watchdogMs: number) => Promise<Outcome>;

export interface CaseResult {
  /** The case without its workspace (a thousand cloned YAML documents are not kept). */
  c: Omit<FuzzCase, 'ws'>;
  o: Outcome;
  problems: string[];
}

/** Longest a case may take: a refused command answers in milliseconds, a child in about a second. */
export const WATCHDOG_MS = 20_000;

/**
 * Case projects, removed a few cases after they ran rather than at once: a command may still be
 * opening its log files when it returns (in process nothing ends it), and an open into a removed
 * directory would print its error into a later case's output.
 */
export class ProjectDirs {
  readonly #done: string[] = [];

  constructor(
    readonly base: string,
    readonly keep = 8,
  ) {}

  create(name: string): string {
    const root = path.join(this.base, name);
    rmSync(root, { recursive: true, force: true });
    mkdirSync(root);
    return root;
  }

  retire(root: string): void {
    this.#done.push(root);
    while (this.#done.length > this.keep) rmSync(this.#done.shift()!, { recursive: true, force: true });
  }
}

export async function runCase(
  c: FuzzCase,
  dirs: ProjectDirs,
  demoDb: string,
  run: Runner,
): Promise<CaseResult> {
  const root = dirs.create(`${run.name}-${c.index}`);
  try {
    writeProject(root, c, demoDb);
    const before = listing(root);
    const o = await run(root, c.args, WATCHDOG_MS);
    const written = changes(before, listing(root));
    const problems = judge(c, o, written, filesWithCanary(root, written, c.ws.canary));
    const { ws: _ws, ...info } = c;
    return { c: info, o, problems };
  } finally {
    dirs.retire(root);
  }
}

/**
 * Where the case projects go: a RAM-backed /dev/shm when there is one. On this machine's ext4
 * (mounted with discard) creating and removing a project took ~10 ms, a fifth of a case; on
 * tmpfs 0.15 ms.
 */
export function scratchDirectory(): string {
  return existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
}

/** A small real demo database for `check` to probe templates against (a few hundred rows). */
export async function createProbeDatabase(file: string): Promise<void> {
  const db = new Database(file);
  try {
    await createDemoDatabase(
      { dialect: 'sqlite', db },
      { scale: 0.001, days: 2, startDate: '2025-01-06', seed: 7 },
    );
  } finally {
    db.close();
  }
}
