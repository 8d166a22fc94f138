import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { loggingSchema, metricsSchema, parseByteSize } from '../../../src/config/observe-schema.js';

const problems = (schema: z.ZodType, input: unknown) => {
  const r = schema.safeParse(input);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('logging:', () => {
  it('defaults', () => {
    expect(loggingSchema.parse({})).toEqual({
      level: 'info',
      console_level: 'warn',
      directory: 'logs',
      max_size: '50MB',
      rotate: 'daily',
      keep: 14,
    });
  });

  it('rejects unknown keys, bad sizes, bounds and rotations, each at its path', () => {
    expect(problems(loggingSchema, { max_sise: '5MB' })).toEqual([expect.stringMatching(/max_sise/)]);
    expect(problems(loggingSchema, { max_size: '50 parsecs' })).toEqual([
      'max_size: expected a size such as "512KB", "50MB" or "1GB"',
    ]);
    expect(problems(loggingSchema, { max_size: '100B' })).toEqual(['max_size: expected at least 1KB']);
    expect(problems(loggingSchema, { max_size: '11GB' })).toEqual(['max_size: expected at most 10GB']);
    expect(problems(loggingSchema, { keep: 0 })).toHaveLength(1);
    expect(problems(loggingSchema, { rotate: 'weekly' })).toEqual([expect.stringMatching(/^rotate:/)]);
    expect(problems(loggingSchema, { console_level: 'silent', level: 'debug', rotate: 'hourly' })).toEqual(
      [],
    );
  });
});

describe('metrics:', () => {
  it('defaults, null turns the textfile off, and it must be a .prom file', () => {
    expect(metricsSchema.parse({})).toEqual({
      directory: 'results/metrics',
      textfile: 'results/metrics/moh_etl.prom',
      success_window: 30,
    });
    expect(metricsSchema.parse({ textfile: null }).textfile).toBeNull();
    expect(problems(metricsSchema, { textfile: '/var/lib/node_exporter/moh.txt' })).toEqual([
      expect.stringMatching(/^textfile: expected a file name ending in \.prom/),
    ]);
    expect(problems(metricsSchema, { success_window: 0 })).toHaveLength(1);
  });
});

describe('parseByteSize', () => {
  it('binary units, as pino-roll counts', () => {
    expect(parseByteSize('50MB')).toBe(50 * 1024 * 1024);
    expect(parseByteSize('512kb')).toBe(512 * 1024);
    expect(parseByteSize('1 GiB')).toBe(1024 ** 3);
    expect(parseByteSize('1.5K')).toBe(1536);
    expect(parseByteSize('4096B')).toBe(4096);
    expect(parseByteSize('50')).toBeUndefined();
    expect(parseByteSize('MB')).toBeUndefined();
  });
});
