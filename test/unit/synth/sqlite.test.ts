import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { advanceDemo, createDemoDatabase, SOURCE_TABLES, type LoadResult } from '../../../src/synth/index.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'moh-synth-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const options = { seed: 9, scale: 0.02, days: 5, startDate: '2025-03-03' };
const now = new Date('2025-06-01T00:00:00Z');

function open(name: string): Database.Database {
  return new Database(path.join(dir, name));
}

function counts(db: Database.Database): Record<string, number> {
  return Object.fromEntries(
    SOURCE_TABLES.map((t) => [t, (db.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n]),
  );
}

function dump(db: Database.Database): string {
  return SOURCE_TABLES.map((t) =>
    JSON.stringify(db.prepare(`SELECT * FROM ${t} ORDER BY 1`).raw().all()),
  ).join('\n');
}

const maxUpdated = (db: Database.Database, t: string): string =>
  (db.prepare(`SELECT max(updated_at) AS m FROM ${t}`).get() as { m: string }).m;

describe('SQLite demo database', () => {
  it('creates, advances and continues exactly', async () => {
    const db = open('demo.db');
    const created: LoadResult = await createDemoDatabase({ dialect: 'sqlite', db }, options, { now });
    expect(counts(db)).toEqual(created.counts);
    expect(created.days).toBe(5);
    expect([created.firstDate, created.lastDate]).toEqual(['2025-03-03', '2025-03-07']);
    expect(created.dirty.total).toBe(0);
    for (const changed of [created.updated, created.deleted, created.late]) {
      expect(Object.values(changed).every((n) => n === 0)).toBe(true);
    }

    // Stored representation: booleans 0/1, timestamps as ISO text, pragmas restored.
    expect(db.prepare('SELECT DISTINCT is_active FROM polyclinics').pluck().all()).toEqual([1]);
    const row = db
      .prepare('SELECT arrival_time, created_at, visit_date FROM attendances WHERE attendance_id = 1')
      .get();
    expect(row).toMatchObject({
      arrival_time: expect.stringMatching(/^2025-03-03T\d{2}:\d{2}:\d{2}\.\d{6}$/) as unknown,
      created_at: expect.stringMatching(/^2025-03-0[23]T\d{2}:\d{2}:\d{2}\.\d{6}Z$/) as unknown,
      visit_date: '2025-03-03',
    });
    expect(db.pragma('journal_mode', { simple: true })).toBe('delete');
    const meta = Object.fromEntries(
      (db.prepare('SELECT key, value FROM _moh_demo_meta').all() as { key: string; value: string }[]).map(
        (r) => [r.key, r.value],
      ),
    );
    expect(meta).toMatchObject({ seed: '9', scale: '0.02', start_date: '2025-03-03', days_generated: '5' });
    expect(meta.next_attendance_id).toBe(String(created.counts.attendances + 1));
    const indexes = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'attendances'")
      .pluck()
      .all();
    expect(indexes).toEqual(
      expect.arrayContaining(['ix_attendances_updated_at_attendance_id', 'ix_attendances_visit_date']),
    );

    const before = counts(db);
    const previousMax = Object.fromEntries(
      ['patients', 'attendances', 'lab_results'].map((t) => [t, maxUpdated(db, t)]),
    );
    const advanced = await advanceDemo({ dialect: 'sqlite', db }, 2, { now });
    expect([advanced.firstDate, advanced.lastDate]).toEqual(['2025-03-08', '2025-03-09']);
    const after = counts(db);
    for (const t of SOURCE_TABLES) {
      expect(after[t]).toBe(before[t]! + advanced.counts[t] + advanced.late[t] - advanced.deleted[t]);
    }
    expect(advanced.counts.attendances).toBeGreaterThan(0); // Saturday is open, Sunday is not
    for (const t of ['patients', 'attendances', 'lab_results'] as const) {
      expect(advanced.updated[t]).toBeGreaterThan(0);
      // Updated old rows carry an updated_at beyond everything that existed before.
      const changed = db
        .prepare(`SELECT count(*) FROM ${t} WHERE updated_at > ? AND created_at <= ?`)
        .pluck()
        .get(previousMax[t], previousMax[t]) as number;
      expect(changed).toBeGreaterThan(0);
      expect(changed).toBeLessThanOrEqual(advanced.updated[t]);
    }

    // Advancing 1 + 1 days gives the same database as advancing 2.
    const db2 = open('demo2.db');
    await createDemoDatabase({ dialect: 'sqlite', db: db2 }, options, { now });
    await advanceDemo({ dialect: 'sqlite', db: db2 }, 1, { now });
    await advanceDemo({ dialect: 'sqlite', db: db2 }, 1, { now });
    expect(dump(db2)).toBe(dump(db));
    db.close();
    db2.close();
  });

  it('refuses a timeline that would reach today, and non-demo databases', async () => {
    const db = open('refuse.db');
    await expect(
      createDemoDatabase({ dialect: 'sqlite', db }, options, { now: new Date('2025-03-07T12:00:00Z') }),
    ).rejects.toThrow(/yesterday/);
    await createDemoDatabase({ dialect: 'sqlite', db }, options, { now });
    // Last day 2025-03-07; on 2025-03-10 (Singapore) yesterday is 2025-03-09: 2 days fit, 3 do not.
    const monday = new Date('2025-03-10T01:00:00Z');
    await expect(advanceDemo({ dialect: 'sqlite', db }, 3, { now: monday })).rejects.toThrow(
      /would end on 2025-03-10, after yesterday \(2025-03-09/,
    );
    expect(counts(db).attendances).toBeGreaterThan(0);
    await expect(advanceDemo({ dialect: 'sqlite', db }, 2, { now: monday })).resolves.toMatchObject({
      days: 2,
    });
    db.close();

    const other = open('other.db');
    await expect(advanceDemo({ dialect: 'sqlite', db: other }, 1, { now })).rejects.toThrow(
      /not a demo database/,
    );
    other.close();
  });

  it('loads dirty data through the relaxed schema', async () => {
    const db = open('dirty.db');
    const r = await createDemoDatabase({ dialect: 'sqlite', db }, { ...options, dirtyRate: 0.05 }, { now });
    expect(counts(db)).toEqual(r.counts);
    expect(r.dirty.total).toBeGreaterThan(0);
    const nulls = r.dirty.entries.find((e) => e.table === 'diagnoses' && e.kind === 'null_required')!;
    expect(db.prepare('SELECT count(*) FROM diagnoses WHERE icd10_code IS NULL').pluck().get()).toBe(
      nulls.count,
    );
    const advanced = await advanceDemo({ dialect: 'sqlite', db }, 1, { now });
    expect(advanced.dirty.rate).toBe(0.05);
    expect(advanced.dirty.total).toBeGreaterThan(0);
    db.close();
  });
});
