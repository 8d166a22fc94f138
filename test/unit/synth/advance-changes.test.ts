/** Late rows and deletes of `advanceDemo`, read back from SQLite with plain queries. */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  localToUtc,
  parseDate,
  parseInstant,
  SGT_OFFSET_US,
  US_PER_DAY,
} from '../../../src/synth/calendar.js';
import { DELETABLE, RECENT_DAYS } from '../../../src/synth/deletes.js';
import { lateLabCount } from '../../../src/synth/late.js';
import {
  advanceDemo,
  createDemoDatabase,
  SOURCE_TABLES,
  TABLES,
  WEEKDAY_ATTENDANCES,
  type LoadResult,
  type SourceTable,
} from '../../../src/synth/index.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'moh-synth-changes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Monday 2025-03-03 to Friday 2025-03-07; advancing crosses a Saturday, a closed Sunday and Monday.
const options = { seed: 21, scale: 0.01, days: 5, startDate: '2025-03-03' };
const now = new Date('2025-06-01T00:00:00Z');
const keyOf = (t: SourceTable): string => TABLES[t].primaryKey[0]!;

async function created(name: string): Promise<Database.Database> {
  const db = new Database(path.join(dir, name));
  await createDemoDatabase({ dialect: 'sqlite', db }, options, { now });
  return db;
}

const advance = (db: Database.Database, days: number): Promise<LoadResult> =>
  advanceDemo({ dialect: 'sqlite', db }, days, { now });

function dump(db: Database.Database): string {
  return [...SOURCE_TABLES, '_moh_demo_meta']
    .map((t) => JSON.stringify(db.prepare(`SELECT * FROM ${t} ORDER BY 1`).raw().all()))
    .join('\n');
}

const ids = (db: Database.Database, t: SourceTable): Set<number> =>
  new Set(
    db
      .prepare(`SELECT ${keyOf(t)} FROM ${t}`)
      .pluck()
      .all() as number[],
  );
const scalar = <T>(db: Database.Database, sql: string, ...params: unknown[]): T =>
  db
    .prepare(sql)
    .pluck()
    .get(...params) as T;

interface LabRow {
  lab_result_id: number;
  attendance_id: number;
  patient_id: number;
  collected_at: string;
  created_at: string;
  updated_at: string;
}

describe('advancing a demo database: late rows and deletes', () => {
  const before = {} as Record<SourceTable, Set<number>>;
  let maxUpdated = '';
  let maxAttendance = 0;
  let one: LoadResult;
  let db: Database.Database;

  beforeAll(async () => {
    db = await created('one-day.db');
    for (const t of SOURCE_TABLES) before[t] = ids(db, t);
    maxUpdated = scalar<string>(db, 'SELECT max(updated_at) FROM lab_results');
    maxAttendance = scalar<number>(db, 'SELECT max(attendance_id) FROM attendances');
    one = await advance(db, 1); // Saturday 2025-03-08
  });
  afterAll(() => db.close());

  it('reports exactly the rows inserted and deleted', () => {
    for (const t of SOURCE_TABLES) {
      const after = ids(db, t);
      const gone = [...before[t]].filter((id) => !after.has(id));
      const added = [...after].filter((id) => !before[t].has(id));
      expect(gone.length, t).toBe(one.deleted[t]);
      expect(added.length, t).toBe(one.counts[t] + one.late[t]);
      expect(after.size, t).toBe(before[t].size + one.counts[t] + one.late[t] - one.deleted[t]);
    }
    expect(one.deleted.medications).toBeGreaterThan(0);
    expect(one.deleted.lab_results).toBeGreaterThan(0);
    expect(one.late.lab_results).toBe(lateLabCount(21, 0.01, parseDate('2025-03-03'), 5));
  });

  it('deletes recent leaf rows only', () => {
    const leaves = new Set(DELETABLE.map((d) => d.table));
    for (const t of SOURCE_TABLES) if (!leaves.has(t)) expect(one.deleted[t], t).toBe(0);
    for (const { table, key, perAttendance } of DELETABLE) {
      // A leaf: no other table has a column holding this table's key.
      for (const other of SOURCE_TABLES.filter((t) => t !== table)) {
        expect(TABLES[other].columns.map((c) => c.name)).not.toContain(key);
      }
      const after = ids(db, table);
      const gone = [...before[table]].filter((id) => !after.has(id));
      const newest = Math.max(...before[table]);
      const span = RECENT_DAYS * WEEKDAY_ATTENDANCES * options.scale * perAttendance;
      for (const id of gone) expect(id).toBeGreaterThanOrEqual(newest - span);
      // Around 0.5% of a Saturday's volume (~110 attendances at this scale).
      expect(gone.length).toBeLessThanOrEqual(3);
    }
  });

  it('inserts late lab results behind the watermark, with new ids, for the previous open day', () => {
    const rows = db
      .prepare('SELECT * FROM lab_results WHERE lab_result_id > ? AND attendance_id <= ? ORDER BY 1')
      .all(Math.max(...before.lab_results), maxAttendance) as LabRow[];
    expect(rows).toHaveLength(one.late.lab_results);
    expect(rows.length).toBeGreaterThan(0);
    const firstNew = Math.max(...before.lab_results) + 1;
    // The reserved ids come first: the day's generated results follow them.
    expect(rows.map((r) => r.lab_result_id)).toEqual(rows.map((_, i) => firstNew + i));
    const friday = parseDate('2025-03-07');
    for (const r of rows) {
      expect(r.updated_at).toBe(r.created_at);
      expect(r.updated_at < maxUpdated, `${r.updated_at} behind ${maxUpdated}`).toBe(true);
      const stamp = parseInstant(r.updated_at);
      expect(stamp).toBeGreaterThanOrEqual(localToUtc(friday * US_PER_DAY));
      expect(parseInstant(r.collected_at)).toBeLessThan(stamp + SGT_OFFSET_US);
      const visit = db
        .prepare('SELECT visit_date, patient_id, arrival_time FROM attendances WHERE attendance_id = ?')
        .get(r.attendance_id) as { visit_date: string; patient_id: number; arrival_time: string };
      expect(visit.visit_date).toBe('2025-03-07');
      expect(r.patient_id).toBe(visit.patient_id);
      expect(r.collected_at > visit.arrival_time).toBe(true);
    }
    // An extraction resuming after (maxUpdated, last id) in keyset order would miss every one.
    const seen = scalar<number>(
      db,
      'SELECT count(*) FROM lab_results WHERE updated_at > ? AND lab_result_id IN (' +
        rows.map(() => '?').join(',') +
        ')',
      maxUpdated,
      ...rows.map((r) => r.lab_result_id),
    );
    expect(seen).toBe(0);
  });

  it('is deterministic: the same seed deletes and adds the same rows', async () => {
    const again = await created('again.db');
    const result = await advance(again, 1);
    expect(dump(again)).toBe(dump(db));
    expect([result.deleted, result.late, result.updated]).toEqual([one.deleted, one.late, one.updated]);
    again.close();
  });
});

describe('advancing in steps', () => {
  it('gives the same database, deletes and late rows included: 2 days then 3 equal 5', async () => {
    const whole = await created('whole.db');
    const steps = await created('steps.db');
    const five = await advance(whole, 5);
    const parts = [await advance(steps, 2), await advance(steps, 3)];
    expect(dump(steps)).toBe(dump(whole));
    for (const key of ['counts', 'updated', 'deleted', 'late'] as const) {
      for (const t of SOURCE_TABLES)
        expect(parts[0]![key][t] + parts[1]![key][t], `${key} ${t}`).toBe(five[key][t]);
    }
    // Saturday, Monday, Tuesday and Wednesday are open; Monday's late rows belong to Saturday.
    expect(five.late.lab_results).toBe(4 * 3);
    expect(five.deleted.lab_results).toBeGreaterThanOrEqual(4);
    whole.close();
    steps.close();
  });
});
