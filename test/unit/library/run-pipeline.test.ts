/**
 * runPipeline as a library calls it: `{ config: defineConfig(…), … }` on a small demo database. It
 * writes the run record and the configured log files as the CLI does (closing what it opened),
 * leaves a caller's logger alone, and refuses what TypeScript would with typed errors before
 * anything is written.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineConfig, type ConfigInput } from '../../../src/config/define.js';
import { UsageError } from '../../../src/errors.js';
import type { PipelineEvent } from '../../../src/observe/events.js';
import { createLogger, silentLogger } from '../../../src/observe/logger.js';
import { runExtract } from '../../../src/pipeline/extract-step.js';
import { runValidate } from '../../../src/pipeline/validate-step.js';
import { runPipeline, type PipelineOptions } from '../../../src/pipeline/run-pipeline.js';
import { createDemoDatabase } from '../../../src/synth/index.js';

const SOURCES = (): ConfigInput['sources'] => ({
  polyclinics: {
    connection: 'demo',
    primary_key: ['polyclinic_code'],
    mode: 'full',
    sql: 'SELECT polyclinic_code, name, region, updated_at FROM polyclinics',
  },
  visits: {
    connection: 'demo',
    primary_key: ['attendance_id'],
    cursor_column: 'updated_at',
    sql: 'SELECT attendance_id, polyclinic_code, visit_date, updated_at FROM attendances',
  },
});

let root: string;
let demoRows: { polyclinics: number; visits: number };
beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'moh-library-'));
  const db = new Database(path.join(root, 'demo.sqlite'));
  try {
    await createDemoDatabase({ dialect: 'sqlite', db }, { scale: 0.01, days: 5, startDate: '2025-01-06' });
    const count = (t: string) => (db.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n;
    demoRows = { polyclinics: count('polyclinics'), visits: count('attendances') };
  } finally {
    db.close();
  }
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A project directory of its own per test, reading the one demo database. */
function project(name: string, extra: Partial<ConfigInput> = {}) {
  const dir = path.join(root, name);
  const config = defineConfig(
    {
      connections: { demo: { client: 'sqlite', filename: path.join(root, 'demo.sqlite') } },
      sources: SOURCES(),
      logging: { console_level: 'silent' },
      ...extra,
    },
    { root: dir, env: {} },
  );
  return { dir, config };
}

describe('runPipeline({ config, … })', () => {
  it('runs every enabled source, emits typed events and writes the run record and log files', async () => {
    const { dir, config } = project('full-run');
    const events: PipelineEvent[] = [];
    const record = await runPipeline({ config, onEvent: (e) => events.push(e) });

    expect(record.status).toBe('succeeded');
    expect(record.exit_code).toBe(0);
    expect(record.trigger).toBe('library');
    expect(record.sources.map((s) => [s.source, s.rows])).toEqual([
      ['polyclinics', demoRows.polyclinics],
      ['visits', demoRows.visits],
    ]);
    expect(events[0]!.type).toBe('run-started');
    expect(events.at(-1)!.type).toBe('run-finished');
    expect(new Set(events.map((e) => e.run_id))).toEqual(new Set([record.run_id]));

    const saved = JSON.parse(
      readFileSync(path.join(dir, 'results/runs', `${record.run_id}.json`), 'utf8'),
    ) as {
      status: string;
    };
    expect(saved.status).toBe('succeeded');
    // The logger runPipeline opened is closed (flushed) by the time the promise resolves.
    const log = readFileSync(path.join(dir, 'logs/extraction.log'), 'utf8');
    expect(log).toContain(record.run_id);
    expect(log).toContain('run succeeded');
  });

  it('loads the processed dataset when the phases include load', async () => {
    const { dir, config } = project('load');
    const record = await runPipeline({ config, sources: ['visits'], mode: 'refresh' });
    expect(record.phases).toEqual(['extract', 'validate', 'transform', 'load']);
    expect(record.sources[0]!.phases?.load?.status).toBe('succeeded');
    expect(existsSync(path.join(dir, 'data/processed/visits'))).toBe(true);
  });

  it('leaves a caller-supplied logger to the caller: no log files of its own', async () => {
    const { dir, config } = project('own-logger');
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const log = createLogger({ level: 'info', consoleLevel: 'info', console: sink });
    const record = await runPipeline({ config, sources: ['polyclinics'], phases: ['extract'], log });
    expect(record.status).toBe('succeeded');
    expect(existsSync(path.join(dir, 'logs'))).toBe(false);
    expect(lines.join('')).toContain('run succeeded');
    log.info('the caller can still log after the run');
    expect(lines.join('')).toContain('the caller can still log');
  });

  it('still takes the CLI form runPipeline(loaded, options)', async () => {
    const { config } = project('cli-form');
    const record = await runPipeline(config, { sources: ['polyclinics'], phases: ['extract'] });
    expect(record.sources.map((s) => s.status)).toEqual(['succeeded']);
  });

  it('refuses what TypeScript would, with UsageError before anything is written', async () => {
    const { dir, config } = project('refused');
    const bad: [unknown, RegExp][] = [
      [{ sources: ['nope'] }, /unknown source "nope"/],
      [{ sources: [] }, /sources is empty/],
      [{ sources: 'visits' }, /list of source names/],
      [{ phases: ['extract', 'bogus'] }, /names no phase \(bogus\)/],
      [{ phases: ['extract', 'load'] }, /load needs transform/],
      [{ phases: ['validate'] }, /every run extracts/],
      [{ mode: 'fulll' }, /mode "fulll" is not a mode/],
      [{ formats: ['xls'] }, /output format "xls"/],
    ];
    for (const [options, message] of bad) {
      const run = runPipeline({ config, ...(options as PipelineOptions) });
      await expect(run, JSON.stringify(options)).rejects.toThrow(UsageError);
      await expect(run).rejects.toThrow(message);
    }
    expect(readdirSync(root)).not.toContain(path.basename(dir));
  });

  it('says what to pass when config is not a loaded configuration', async () => {
    const raw = { connections: {}, sources: {} };
    const run = runPipeline({ config: raw } as unknown as Parameters<typeof runPipeline>[0]);
    await expect(run).rejects.toThrow(UsageError);
    await expect(run).rejects.toMatchObject({ hint: expect.stringContaining('defineConfig') as unknown });
  });
});

describe('runExtract and runValidate from a library', () => {
  it('runExtract defaults to every enabled source', async () => {
    const { config } = project('extract-all');
    const summary = await runExtract(config, { mode: 'full' }, silentLogger());
    expect(summary.sources.map((s) => [s.source, s.status, s.rows])).toEqual([
      ['polyclinics', 'succeeded', demoRows.polyclinics],
      ['visits', 'succeeded', demoRows.visits],
    ]);
  });

  it('refuses sources that are not a list, and unknown sources, with UsageError', async () => {
    const { config } = project('extract-bad');
    await expect(
      runExtract(config, { sources: 'visits' as unknown as string[] }, silentLogger()),
    ).rejects.toBeInstanceOf(UsageError);
    await expect(runValidate(config, { sources: ['vists'] }, silentLogger())).rejects.toThrow(
      /^unknown source "vists" \(valid: polyclinics, visits\)$/,
    );
  });
});
