/**
 * `--help` of every command, as a user asks for it: each shows examples and its exit codes, and
 * every example is a command line the program accepts (its commands and flags exist), so the help
 * cannot drift from the flags. The commands are enumerated from the program itself: a command added
 * without help fails here.
 */
import type { Command } from 'commander';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/program.js';
import { cli, type CliResult } from '../helpers/cli.js';
import { configFixture } from '../helpers/config-fixture.js';

/** The program with actions that do nothing and output that goes nowhere. */
function quietProgram(): Command {
  const program = buildProgram(() => Promise.resolve(), { writeErr: () => undefined });
  const silence = (c: Command): void => {
    c.configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
    c.commands.forEach(silence);
  };
  silence(program);
  return program;
}

/** Every command's path ([] is the program itself), parents before their subcommands. */
function commandPaths(c: Command, at: string[] = []): string[][] {
  return [at, ...c.commands.flatMap((sub) => commandPaths(sub, [...at, sub.name()]))];
}

/** The `$ moh-etl …` lines after "Examples:", continuation lines joined. */
function examples(help: string): string[] {
  const section = help.split('\nExamples:\n')[1]?.split(/\n\s*\n|\nExit codes:/)[0] ?? '';
  return section
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('$ moh-etl'));
}

/** The words of each `moh-etl` command in an example: shell quoting undone, description and pipes cut off. */
function commandLines(example: string): string[][] {
  const lines: string[][] = [];
  let words: string[] = [];
  let word: string | undefined;
  let quote: string | undefined;
  let spaces = 0;
  const end = () => {
    if (word !== undefined) words.push(word);
    word = undefined;
  };
  const endLine = () => {
    end();
    if (words[0] === 'moh-etl') lines.push(words.slice(1));
    words = [];
  };
  for (let i = 2; i < example.length; i++) {
    const ch = example[i]!;
    if (quote) {
      if (ch === quote) quote = undefined;
      else word = (word ?? '') + ch;
    } else if (ch === "'" || ch === '"') [quote, word] = [ch, word ?? ''];
    else if (ch === ' ') {
      end();
      // Two spaces: the rest is the example's description.
      if (++spaces === 2) break;
      continue;
    } else if (ch === '|' || (ch === '&' && example[i + 1] === '&')) {
      endLine();
      if (ch === '&') i++;
    } else word = (word ?? '') + ch;
    spaces = 0;
  }
  endLine();
  return lines;
}

const paths = commandPaths(quietProgram());

describe('--help of every command', () => {
  const helps = new Map<string, CliResult>();
  beforeAll(() => {
    const fx = configFixture();
    try {
      for (const p of paths) helps.set(p.join(' '), cli([...p, '--help'], { cwd: fx.root }));
    } finally {
      fx.cleanup();
    }
  });

  it('covers the commands a user runs', () => {
    expect([...helps.keys()]).toEqual(
      expect.arrayContaining(['', 'extract', 'run', 'validate', 'schedule', 'status', 'demo', 'check']),
    );
    expect([...helps.keys()]).toEqual(expect.arrayContaining(['alert test', 'state show', 'files']));
  });

  it.each(paths.map((p) => [p.join(' ') || '(the program)', p.join(' ')]))(
    '%s: exit 0, examples and exit codes',
    (_label, key) => {
      const r = helps.get(key)!;
      expect(r.code).toBe(0);
      expect(r.stderr).toBe('');
      expect(r.stdout).toContain('\nExamples:\n');
      expect(r.stdout).toMatch(/\nExit codes: 0 /);
      expect(examples(r.stdout).length).toBeGreaterThan(0);
    },
  );

  it('every example is a command line the program accepts', async () => {
    const lines = [...helps.values()].flatMap((r) => examples(r.stdout).flatMap(commandLines));
    expect(lines.length).toBeGreaterThan(30);
    for (const words of lines) {
      const program = quietProgram();
      await expect(
        program.parseAsync(['node', 'moh-etl', ...words]).then(
          () => 'accepted',
          (e: { code?: string }) => (e.code === 'commander.helpDisplayed' ? 'accepted' : e.code),
        ),
        words.join(' '),
      ).resolves.toBe('accepted');
    }
  });

  it('the ad-hoc flags and their rules are in extract --help', () => {
    const help = helps.get('extract')!.stdout;
    for (const flag of [
      '--sql',
      '--connection',
      '--key',
      '--select',
      '--where',
      '--param',
      '--limit',
      '--output',
      '--stdout',
    ])
      expect(help).toContain(flag);
    expect(help).toContain('--sql needs --key');
    expect(help).toMatch(
      /2 usage or configuration error \(a refused statement, an\s+unknown --select column/,
    );
  });
});
