/**
 * Faults during a run split into key ranges: a range whose statement fails stops the others (each
 * commits what it read) and the next attempt resumes every range; a row committed behind a range's
 * read position with a timestamp from before the run fails the reconciliation (the settled count
 * adds up over the ranges), one with a later timestamp is reported. Not run on SQLite (not split).
 */
import { beforeAll, expect, it } from 'vitest';
import { describeEachDialect, dialects } from '../helpers/databases.js';
import { readState } from '../helpers/project.js';
import { insertRows, openClient } from '../helpers/sql.js';
import { at, createTables, N, SPLIT, splitFixture, TS } from './split-fixture.js';

describeEachDialect(
  'faults in a split run',
  (_target, connection) => {
    beforeAll(() => createTables(connection));
    const { project, extract, output, baseline } = splitFixture(connection);

    it('a failing range stops the others, and the next attempt resumes every range', async () => {
      const loaded = await project({ split: SPLIT, partRows: 150 });
      // The fourth batch statement of a middle range (bounded on both sides) fails, as a lost link would.
      const middle = /q\.["`]id["`] >= \? AND q\.["`]id["`] < \?\)/;
      let n = 0;
      await expect(
        extract(loaded, 'events', {
          failIf: (sql) => middle.test(sql) && / ORDER BY /.test(sql) && ++n === 4,
        }),
      ).rejects.toThrow('connection reset (test)');
      const pending = readState(loaded, 'events').pending!;
      expect(pending.rows).toBeGreaterThan(0);
      expect(pending.rows).toBeLessThan(N);
      await extract(loaded, 'events');
      expect(output(loaded, 'events').rows).toEqual(await baseline('events'));
    });

    it('the settled count holds across ranges: a row committed behind a range fails or is reported', async () => {
      const d = connection().dialect;
      const insertBehind = async (updatedAt: string) => {
        const db = await openClient(connection());
        try {
          await db.exec('DROP TABLE IF EXISTS busy');
          await db.exec(`CREATE TABLE busy (id BIGINT PRIMARY KEY, updated_at ${TS[d]} NOT NULL)`);
          const ts = at(d, '2025-01-01T00:00:00.000000Z');
          await insertRows(
            db,
            'busy',
            ['id', 'updated_at'],
            Array.from({ length: 800 }, (_, i) => [i + 10, ts]),
          );
        } finally {
          await db.close();
        }
        const loaded = await project({ split: SPLIT, partRows: 100 });
        // Range 0 (an upper bound only) before its third batch: id 1 is then behind its read position.
        const rangeZero = (sql: string) =>
          / ORDER BY /.test(sql) && /q\.["`]id["`] < \?/.test(sql) && !/q\.["`]id["`] >= \?/.test(sql);
        let n = 0;
        return extract(loaded, 'busy', {
          beforeStatement: async (sql) => {
            if (!rangeZero(sql) || ++n !== 3) return;
            const c = await openClient(connection());
            await c.exec('INSERT INTO busy (id, updated_at) VALUES (?, ?)', [1, at(d, updatedAt)]);
            await c.close();
          },
        });
      };
      await expect(insertBehind('2025-01-02T00:00:00.000000Z')).rejects.toThrow(
        /the source holds 801 rows in range with updated_at at or before the run's start \(.+\), but 800 of them were written/,
      );
      const reported = await insertBehind('2099-01-01T00:00:00.000000Z');
      expect(reported.rows).toBe(800);
      expect(reported.warnings?.join('\n')).toMatch(/1 rows were inserted behind the read position/);
    });
  },
  dialects.filter((d) => d.dialect !== 'sqlite'),
);
