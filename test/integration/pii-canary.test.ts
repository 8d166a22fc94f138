/**
 * Canary test: seeded NRICs, names, phone numbers, addresses, e-mails and dates of birth appear
 * nowhere in processed outputs, logs, reports or alerts.
 *
 * A table of canary values (test/helpers/pipeline/canary.ts) on SQLite and PostgreSQL is read by
 * the built CLI in a project (canary-project.ts) with the de-identified profile and a policy for
 * every PII column, checks that fail on those columns (so failing-row samples are written to the
 * reports, masked), a critical check that stops a second source (so an alert says so), a freshness
 * check on the date of birth, and webhook, Slack and Teams channels pointed at a local HTTP sink.
 * The scheduled job runs twice (`run --job`, as the scheduler, cron or a systemd timer start it;
 * once with its human summary, once with --json events), then `validate` and `status`.
 *
 * Then every file of the project except data/raw — processed and archived versions, staged files,
 * state, logs, validation reports, run records, metrics, alert state — is searched for every canary
 * (text byte for byte, Parquet value by value through DuckDB), and so is every HTTP body the sink
 * received and every line the commands printed. data/raw is the faithful extract: it must hold
 * every canary, which proves they were seeded, read, and findable by the same search.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { dialects, describeEachDialect, tempDir, type TempDir } from '../helpers/databases.js';
import { startHttpSink, type HttpSink } from '../helpers/http-sink.js';
import { canaryRows, createCanaryTable, needles, PII_COLUMNS } from '../helpers/pipeline/canary.js';
import { CANARY_JOB, writeCanaryProject } from '../helpers/pipeline/canary-project.js';
import { runCli, type CliRun } from '../helpers/pipeline/cli-run.js';
import { inspectCurrent } from '../helpers/pipeline/processed.js';
import { findIn, scanTree } from '../helpers/pipeline/scan.js';

const ROWS = canaryRows(40);
const NEEDLES = needles(ROWS);
/** Each row's own values: every one must be in the raw extract. */
const VALUES = ROWS.flatMap((r) => PII_COLUMNS.map((c) => r[c as keyof typeof r] as string));

describeEachDialect(
  'PII canaries',
  (_target, connection) => {
    let dir: TempDir;
    let sink: HttpSink;
    let root: string;
    let env: NodeJS.ProcessEnv;
    const printed: string[] = [];

    beforeAll(async () => {
      dir = await tempDir('moh-pii-canary-');
      sink = await startHttpSink();
      await createCanaryTable(connection(), ROWS);
      root = path.join(dir.path, 'project');
      env = writeCanaryProject(root, connection(), sink);
      // Asynchronous children: the sink answers the alerts in this process while they run.
      const run = async (args: string[]): Promise<CliRun> => {
        const r = await runCli(args, { cwd: root, env });
        printed.push(`$ moh-etl ${args.join(' ')}\n${r.stdout}${r.stderr}`);
        return r;
      };
      const scheduled = await run(['run', '--job', CANARY_JOB, '--log-level', 'debug']);
      expect(scheduled.code, scheduled.stderr).toBe(3); // the critical check stopped contacts_gate
      expect((await run(['run', '--job', CANARY_JOB, '--json'])).code).toBe(3);
      expect((await run(['validate', '--sources', 'contacts'])).code).toBe(1);
      expect((await run(['status'])).code).toBe(0);
    }, 120_000);
    afterAll(async () => {
      await sink.close();
      await dir.remove();
    });

    it('the canaries were seeded, read and findable: data/raw holds every one, as text and as Parquet values', async () => {
      const raw = await scanTree(path.join(root, 'data/raw'), VALUES);
      const found = (suffix: string) =>
        new Set(raw.findings.filter((f) => f.where.endsWith(suffix)).map((f) => f.needle));
      expect(VALUES.filter((v) => !found('.csv').has(v))).toEqual([]);
      expect(VALUES.filter((v) => !found('(values)').has(v))).toEqual([]);
    });

    it('the run did what leaks are made of: samples written (masked), alerts sent, a dataset loaded', () => {
      const reports = filesUnder(path.join(root, 'results/validation'));
      expect(reports.some((f) => f.endsWith('.html'))).toBe(true);
      const json = reports.filter((f) => f.endsWith('.json')).map((f) => readFileSync(f, 'utf8'));
      expect(json.join('\n')).toContain('"***"');
      expect(new Set(sink.requests.map((r) => r.path))).toEqual(new Set(['/hook', '/slack', '/teams']));
      expect(sink.requests.map((r) => r.body).join('\n')).toMatch(/critical/i);
      const current = inspectCurrent(path.join(root, 'data/processed'), 'contacts');
      expect(current?.problems).toEqual([]);
      expect(current?.meta.rows).toBe(ROWS.length);
      const columns = current!.meta.columns.map((c) => c.name);
      expect(columns).toEqual(
        expect.arrayContaining(['patient_name', 'email', 'nric', 'date_of_birth', 'fee']),
      );
      expect(columns).not.toContain('contact_phone');
      expect(columns).not.toContain('home_address');
    });

    it('appear in no file outside data/raw: processed, archive, staging, state, logs, reports, run records, metrics, alert state', async () => {
      const scan = await scanTree(root, NEEDLES, (rel) => rel.startsWith('data/raw/'));
      const scanned = new Set(scan.files.map((f) => f.split('/').slice(0, 2).join('/')));
      // Staged (transformed) rows of loaded runs, and of the source a critical check stopped, are
      // removed: nothing is left to leak from data/interim (what would be there is scanned too).
      expect(filesUnder(path.join(root, 'data/interim'))).toEqual([]);
      for (const place of [
        'data/archive',
        'data/state',
        'logs/extraction',
        'logs/audit',
        'logs/errors',
        'results/validation',
        'results/runs',
        'results/metrics',
        'results/alerts',
      ])
        expect(
          [...scanned].some((s) => s.startsWith(place)),
          `${place} was scanned`,
        ).toBe(true);
      expect(scan.parquetValues, 'values read from processed Parquet files').toBeGreaterThan(0);
      expect(scan.unscannable).toEqual([]);
      expect(scan.findings).toEqual([]);
    });

    it('appear in no alert that left the process', () => {
      expect(sink.requests.length).toBeGreaterThan(0);
      for (const r of sink.requests)
        expect(findIn(r.body, NEEDLES), `${r.path}: ${r.body.slice(0, 200)}`).toEqual([]);
    });

    it('appear in nothing the commands printed', () => {
      expect(printed).toHaveLength(4);
      for (const out of printed) expect(findIn(out, NEEDLES), out.split('\n')[0]).toEqual([]);
    });

    it('do not give a masked date of birth away as its age in days', () => {
      // "newest date_of_birth is ***, 44906.8 days old" names the date as surely as printing it.
      const newest = ROWS.map((r) => r.date_of_birth)
        .sort()
        .at(-1)!;
      const days = Math.floor((Date.now() - Date.parse(`${newest}T00:00:00Z`)) / 86_400_000);
      const ages = new Set([days - 1, days, days + 1].map(String));
      const texts = [
        ...filesUnder(path.join(root, 'results')).map((f) => readFileSync(f, 'utf8')),
        ...filesUnder(path.join(root, 'logs')).map((f) => readFileSync(f, 'utf8')),
        ...sink.requests.map((r) => r.body),
        ...printed,
      ];
      const given = texts.flatMap((t) =>
        [...t.matchAll(/(\d+)(?:\.\d+)?\s*days?\b[^"\n]{0,40}/g)]
          .filter((m) => ages.has(m[1]!))
          .map((m) => m[0]),
      );
      expect([...new Set(given)]).toEqual([]);
    });
  },
  dialects.filter((d) => d.name !== 'mariadb'),
);

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}
