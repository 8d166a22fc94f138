/** The `load:` config section: defaults, strictness, and the cross-field rules with their key paths. */
import { describe, expect, it } from 'vitest';
import { loadRules, loadSchema, partitionName, type LoadConfig } from '../../../src/config/load-schema.js';

const problems = (config: LoadConfig, sources: string[]) => {
  const found: string[] = [];
  loadRules(config, sources, (p, m) => found.push(`${p.join('.')}: ${m}`));
  return found;
};

describe('loadSchema', () => {
  it('fills the documented defaults', () => {
    expect(loadSchema.parse({})).toEqual({
      directory: 'data/processed',
      staging_directory: 'data/interim',
      archive_directory: 'data/archive',
      keep_versions: 5,
      max_age: '90d',
      memory_limit: '256MB',
      memory_budget: '512MB',
      threads: 2,
      file_rows: 1_000_000,
      compression_level: 3,
      sources: {},
    });
  });

  it('takes a memory budget as a size or "none"', () => {
    expect(loadSchema.parse({ memory_budget: '1GiB' }).memory_budget).toBe('1GiB');
    expect(loadSchema.parse({ memory_budget: 'none' }).memory_budget).toBe('none');
  });

  it('parses the example of the issue, with partition and soft-delete defaults', () => {
    const config = loadSchema.parse({
      keep_versions: 3,
      max_age: '30d',
      memory_limit: '1GB',
      sources: {
        attendances: { partition_by: { column: 'visit_date', granularity: 'month', name: 'visit_month' } },
        patients: { soft_delete: { column: 'deleted_at' } },
        visits: {
          partition_by: { column: 'visit_date' },
          soft_delete: { column: 'is_deleted', value: true },
        },
      },
    });
    expect(config.sources.patients).toEqual({ soft_delete: { column: 'deleted_at' } });
    expect(config.sources.visits!.partition_by).toEqual({ column: 'visit_date', granularity: 'month' });
    expect(partitionName(config.sources.visits!.partition_by!)).toBe('visit_date_month');
    expect(partitionName(config.sources.attendances!.partition_by!)).toBe('visit_month');
  });

  it('rejects unknown keys, bad sizes, durations and granularities with their paths', () => {
    const result = loadSchema.safeParse({
      keep_version: 3,
      memory_limit: 'lots',
      memory_budget: 'all of it',
      max_age: '90 days',
      sources: { a: { partition_by: { column: 'd', granularity: 'week' } } },
    });
    expect(result.success).toBe(false);
    const paths = result.error!.issues.map((i) => i.path.join('.'));
    expect(paths).toEqual(
      expect.arrayContaining([
        '',
        'memory_limit',
        'memory_budget',
        'max_age',
        'sources.a.partition_by.granularity',
      ]),
    );
  });
});

describe('loadRules', () => {
  it('accepts a valid section', () => {
    const config = loadSchema.parse({
      sources: { attendances: { partition_by: { column: 'visit_date', name: 'visit_month' } } },
    });
    expect(problems(config, ['attendances', 'patients'])).toEqual([]);
  });

  it('names an unknown source, a partition key equal to its column, and nested directories', () => {
    const config = loadSchema.parse({
      directory: 'data/processed',
      archive_directory: 'data/processed/archive',
      sources: {
        atendances: {},
        visits: { partition_by: { column: 'clinic_id', granularity: 'value', name: 'clinic_id' } },
      },
    });
    expect(problems(config, ['attendances', 'visits'])).toEqual([
      'load.sources.atendances: unknown source "atendances" (defined: attendances, visits)',
      'load.sources.visits.partition_by.name: the partition key must differ from the column "clinic_id" (e.g. clinic_id_value)',
      'load.archive_directory: must be separate from load.directory (data/processed): neither may contain the other',
    ]);
  });

  it('rejects the same directory for both', () => {
    const config = loadSchema.parse({ directory: 'data/x', archive_directory: './data/x' });
    expect(problems(config, [])).toHaveLength(1);
  });
});
