/**
 * The canary: a recognisable password, used for real against a real PostgreSQL, must never appear
 * in anything moh-etl prints or writes: stdout, stderr, log files, run summaries, state, output.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { configFixture, type ConfigFixture } from '../helpers/config-fixture.js';
import { freshDatabase, serverOrSkip, type FreshDatabase } from '../helpers/databases.js';
import { loadDemo } from '../helpers/demo-source.js';

const CANARY = 'Canary-7f3a9-Secret';
const KEY_CANARY = 'pseudonym-key-canary-7f3a9c1e5b2d4f6a8c0e';
const server = serverOrSkip('postgres');

function everyFile(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? everyFile(p) : [p];
  });
}

describe.skipIf(!server.available)(server.title('secrets never leak'), () => {
  let db: FreshDatabase;
  let fx: ConfigFixture;
  const role = `canary_${process.pid}`;

  beforeAll(async () => {
    db = await freshDatabase('postgres');
    await loadDemo(
      {
        dialect: 'postgres',
        host: db.host,
        port: db.port,
        user: db.user,
        password: db.password,
        database: db.database,
      },
      { scale: 0.002, days: 3, startDate: '2025-01-01' },
    );
    const admin = new pg.Client({
      host: db.host,
      port: db.port,
      user: db.user,
      password: db.password,
      database: db.database,
    });
    await admin.connect();
    await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD '${CANARY}'`);
    await admin.query(`GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${role}`);
    await admin.end();
    fx = configFixture();
    const yml = readFileSync(fx.configPath, 'utf8')
      .replace(
        /connections:\n/,
        `connections:\n  clinical:\n    client: postgres\n    host: ${db.host}\n    port: ${db.port}\n    database: ${db.database}\n    user: \${PGUSER_CANARY}\n    password: \${PG_CANARY}\n`,
      )
      .replace(/ {2}demo:\n {4}client: sqlite\n {4}filename: .*\n/, '')
      .replaceAll('connection: demo', 'connection: clinical')
      .replace('default_connection: demo', 'default_connection: clinical');
    fx.write('database.yml', yml);
  });
  afterAll(async () => {
    fx.cleanup();
    await db.drop();
  });

  const run = (args: string[], env: Record<string, string>) => cli(args, { cwd: fx.root, env });

  it('with the right password: extract at trace level, check, dry run', () => {
    // The pseudonymisation key is a secret too: it must never be printed or written either.
    const env = { PGUSER_CANARY: role, PG_CANARY: CANARY, MOH_PSEUDONYM_KEY: KEY_CANARY };
    const outputs = [
      run(['extract', '--sources', 'polyclinics', 'attendances', '--log-level', 'trace'], env),
      run(['check'], env),
      run(['extract', '--sources', 'patients', '--dry-run', '--log-level', 'trace'], env),
    ];
    expect(outputs.map((o) => o.code)).toEqual([0, 0, 0]);
    expect(outputs[0]!.stdout).toContain('2 of 2 sources extracted');
    expect(outputs[1]!.stdout).toMatch(/clinical\s+postgres\s+ok/);
    for (const o of outputs) expect(o.stdout + o.stderr).not.toContain(CANARY);
    for (const o of outputs) expect(o.stdout + o.stderr).not.toContain(KEY_CANARY);
    const files = everyFile(fx.root);
    expect(files.some((f) => f.endsWith('extraction.log'))).toBe(true);
    for (const f of files) expect(readFileSync(f, 'utf8'), f).not.toContain(CANARY);
    for (const f of files) expect(readFileSync(f, 'utf8'), f).not.toContain(KEY_CANARY);
  });

  it('with a wrong password and as the user name: the failure is reported, the secret is not', () => {
    const wrong = run(['extract', '--sources', 'polyclinics', '--log-level', 'debug'], {
      PGUSER_CANARY: role,
      PG_CANARY: `${CANARY}-wrong`,
    });
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toMatch(/error: polyclinics: .*password authentication failed/);
    const check = run(['check'], { PGUSER_CANARY: role, PG_CANARY: `${CANARY}-wrong` });
    expect(check.code).toBe(1);
    expect(check.stdout).toMatch(/clinical\s+postgres\s+FAILED/);
    for (const o of [wrong, check]) expect(o.stdout + o.stderr).not.toContain(CANARY);
    for (const f of everyFile(fx.root)) expect(readFileSync(f, 'utf8'), f).not.toContain(CANARY);
  });
});
