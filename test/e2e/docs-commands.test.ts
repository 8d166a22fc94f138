/**
 * Every command in the docs runs as written. The fenced shell blocks of README.md and docs/*.md are
 * read, and their commands run in order, per file, as a reader following that page would — in a
 * project where `npm run demo` has already run (its own test is quick-start.test.ts), with
 * `npx moh-etl` resolving to the built CLI the way it does in a checkout. Each must end with the exit
 * code the page implies (0, unless listed below with the reason), in one piece: no stack trace, no
 * "This is a bug". A command that cannot run here is listed with why; nothing is skipped silently.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cli } from '../helpers/cli.js';
import { configFixture, REPO_ROOT, type ConfigFixture } from '../helpers/config-fixture.js';

/** Commands that do not run in this test, and why. */
const NOT_RUN: Record<string, string> = {
  'npm install && npm run demo':
    'the quick start itself: quick-start.test.ts runs `moh-etl demo --run`, and CI runs `npm install`',
  'npm test': 'the suite this test belongs to',
};

/** Commands whose documented outcome is not exit 0. */
const EXPECTED_EXIT: Record<string, number[]> = {
  // The page says so: the injected defects are caught (error or critical checks).
  'npx moh-etl demo --force --dirty-rate 0.02 && npx moh-etl validate': [1],
};

interface DocCommand {
  file: string;
  line: number;
  command: string;
}

/** The commands of the fenced bash/sh blocks of a page, comments stripped, in order. */
function commandsOf(file: string): DocCommand[] {
  const out: DocCommand[] = [];
  let lang: string | undefined;
  readFileSync(path.join(REPO_ROOT, file), 'utf8')
    .split('\n')
    .forEach((text, i) => {
      if (text.startsWith('```')) {
        lang = lang === undefined ? text.slice(3).trim() || 'none' : undefined;
        return;
      }
      if (lang !== 'bash' && lang !== 'sh' && lang !== 'shell') return;
      const command = text.replace(/\s+#\s.*$/, '').trim();
      if (command && !command.startsWith('#')) out.push({ file, line: i + 1, command });
    });
  return out;
}

const PAGES = ['README.md', ...readdirSync(path.join(REPO_ROOT, 'docs')).map((f) => `docs/${f}`)]
  .filter((f) => f.endsWith('.md'))
  .map((file) => ({ file, commands: commandsOf(file) }))
  .filter((p) => p.commands.length > 0);

let demo: ConfigFixture;
let scratch: string;
beforeAll(() => {
  demo = configFixture();
  // `npx moh-etl` in a checkout resolves to the package's own bin; here, to the built CLI.
  // A shim, as npm writes one: tsc does not make dist/src/cli/bin.js executable (a fresh clone's is not).
  mkdirSync(path.join(demo.root, 'node_modules/.bin'), { recursive: true });
  writeFileSync(
    path.join(demo.root, 'node_modules/.bin/moh-etl'),
    `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} "$@"\n`,
    { mode: 0o755 },
  );
  const r = cli(['demo', '--run'], {
    cwd: demo.root,
    env: { MOH_PSEUDONYM_KEY: undefined },
    timeoutMs: 300_000,
  });
  expect(r.code, r.stderr).toBe(0);
  scratch = mkdtempSync(path.join(tmpdir(), 'moh-etl-docs-'));
}, 320_000);
afterAll(() => {
  demo?.cleanup();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

it('finds the commands of the quick start pages', () => {
  const files = PAGES.map((p) => p.file);
  expect(files).toEqual(expect.arrayContaining(['README.md', 'docs/QUICK_START.md']));
  expect(PAGES.flatMap((p) => p.commands).length).toBeGreaterThan(20);
});

describe.each(PAGES)('the commands of $file', ({ file, commands }) => {
  it('run as written, in order', () => {
    // Each page from the same starting point: the demo, just after `npm run demo`.
    const root = path.join(scratch, file.replace(/\W/g, '_'));
    cpSync(demo.root, root, { recursive: true, verbatimSymlinks: true });
    const outcomes: string[] = [];
    for (const { line, command } of commands) {
      const where = `${file}:${line}: ${command}`;
      if (NOT_RUN[command]) {
        outcomes.push(`${where} — not run: ${NOT_RUN[command]}`);
        continue;
      }
      const r = spawnSync('bash', ['-c', command], {
        cwd: root,
        env: { ...process.env, NO_COLOR: '1', MOH_PSEUDONYM_KEY: undefined, CI: undefined },
        encoding: 'utf8',
        timeout: 180_000,
      });
      const expected = EXPECTED_EXIT[command] ?? [0];
      expect(expected, `${where}\nexit ${r.status}\n${r.stderr}${r.stdout.slice(-2000)}`).toContain(r.status);
      expect(r.stderr, where).not.toMatch(/This is a bug|\n\s+at .+:\d+:\d+\)?\n/);
      outcomes.push(`${where} — exit ${r.status}`);
    }
    console.log(outcomes.join('\n'));
  }, 900_000);
});
