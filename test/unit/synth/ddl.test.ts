import { describe, expect, it } from 'vitest';
import { columnType, createIndexSql, metaTableSql, schemaSql } from '../../../src/synth/ddl.js';
import { stateToMeta, metaToState } from '../../../src/synth/meta.js';
import { generate } from '../../../src/synth/run.js';
import { TABLES } from '../../../src/synth/tables.js';
import { t } from '../../../src/schema/column-types.js';

describe('demo DDL', () => {
  it('maps canonical types per dialect', () => {
    const c = (type: ReturnType<typeof t.int32>, name = 'x') => ({ name, type, nullable: false });
    const cases: [ReturnType<typeof t.int32>, string, string, string][] = [
      [t.int32(), 'INTEGER', 'integer', 'INT'],
      [t.int64(), 'BIGINT', 'bigint', 'BIGINT'],
      [t.decimal(10, 2), 'DECIMAL(10,2)', 'numeric(10,2)', 'DECIMAL(10,2)'],
      [t.boolean(), 'BOOLEAN', 'boolean', 'TINYINT(1)'],
      [t.date(), 'DATE', 'date', 'DATE'],
      [t.timestamp(), 'TIMESTAMP', 'timestamp(6)', 'DATETIME(6)'],
      [t.timestamptz(), 'TIMESTAMPTZ', 'timestamptz(6)', "DATETIME(6) COMMENT 'UTC'"],
      [t.string(), 'TEXT', 'text', 'VARCHAR(255)'],
    ];
    for (const [type, sqlite, pg, mysql] of cases) {
      expect(columnType('sqlite', c(type))).toBe(sqlite);
      expect(columnType('postgres', c(type))).toBe(pg);
      expect(columnType('mysql', c(type))).toBe(mysql);
    }
    expect(columnType('mysql', c(t.string(), 'nric'))).toBe('VARCHAR(16)');
  });

  it('declares primary keys and indexes, never foreign keys', () => {
    for (const dialect of ['sqlite', 'postgres', 'mysql'] as const) {
      const ddl = schemaSql(dialect, { dirty: false }).join(';\n');
      expect(ddl).not.toMatch(/REFERENCES|FOREIGN KEY/i);
      expect(ddl.match(/PRIMARY KEY/g)).toHaveLength(9); // eight tables and the meta table
      expect(ddl).toContain(metaTableSql(dialect));
    }
    expect(createIndexSql('postgres', TABLES.attendances)).toEqual([
      'CREATE INDEX "ix_attendances_updated_at_attendance_id" ON "attendances" ("updated_at", "attendance_id")',
      'CREATE INDEX "ix_attendances_visit_date" ON "attendances" ("visit_date")',
      'CREATE INDEX "ix_attendances_patient_id" ON "attendances" ("patient_id")',
    ]);
    expect(createIndexSql('mysql', TABLES.diagnoses)[1]).toBe(
      'CREATE INDEX `ix_diagnoses_attendance_id` ON `diagnoses` (`attendance_id`)',
    );
  });

  it('round-trips the generator state through the meta entries', () => {
    const run = generate({ scale: 0.01, days: 2, dirtyRate: 0.25, seed: 123456 });
    for (const _ of run) void _;
    const meta = new Map(stateToMeta(run.state));
    expect(meta.get('end_date')).toBe('2025-01-07');
    expect(metaToState(meta)).toEqual(run.state);
    expect(() => metaToState(new Map())).toThrow(/not a demo database/);
    meta.delete('next_patient_id');
    expect(() => metaToState(meta)).toThrow(/next_patient_id/);
  });
});
