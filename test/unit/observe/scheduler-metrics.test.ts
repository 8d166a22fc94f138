import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loggingSchema } from '../../../src/config/observe-schema.js';
import { rotationFromConfig } from '../../../src/observe/logger.js';
import { schedulerMetrics } from '../../../src/observe/metrics/index.js';
import type { ScheduleEvent } from '../../../src/schedule/events.js';
import { parseExposition, valueOf } from './exposition.js';
import { tempDir } from './fixtures.js';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

const beat = (at: string): ScheduleEvent => ({ type: 'scheduler-heartbeat', at, running: [] });

describe('schedulerMetrics', () => {
  it('keeps the heartbeat fresh in the textfile, at most once per interval, from the event time', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const textfile = path.join(t.dir, 'results/metrics/moh_etl.prom');
    const m = schedulerMetrics({ root: t.dir, textfile, minIntervalMs: 60_000 });
    const heartbeat = () =>
      valueOf(
        parseExposition(readFileSync(textfile, 'utf8')).samples,
        'moh_etl_scheduler_heartbeat_timestamp_seconds',
      );
    m.listener(beat('2025-01-01T00:00:00.000Z'));
    await m.flush();
    expect(heartbeat()).toBe(Date.parse('2025-01-01T00:00:00Z') / 1000);
    // 30 s later: too soon, not rewritten (the file is removed to prove it).
    rmSync(textfile);
    m.listener(beat('2025-01-01T00:00:30.000Z'));
    m.listener({ type: 'scheduler-started', at: '2025-01-01T00:00:31.000Z', pid: 1, host: 'h', jobs: [] });
    await m.flush();
    expect(existsSync(textfile)).toBe(false);
    m.listener(beat('2025-01-01T00:01:00.000Z'));
    await m.flush();
    expect(heartbeat()).toBe(Date.parse('2025-01-01T00:01:00Z') / 1000);
  });
});

describe('rotationFromConfig', () => {
  it('maps the logging: section to the logger’s rotation', () => {
    expect(rotationFromConfig(loggingSchema.parse({ max_size: '8KB', keep: 3, rotate: 'hourly' }))).toEqual({
      maxBytes: 8192,
      keep: 3,
      period: 'hourly',
    });
    expect(rotationFromConfig(loggingSchema.parse({}))).toEqual({
      maxBytes: 50 * 1024 * 1024,
      keep: 14,
      period: 'daily',
    });
  });
});
