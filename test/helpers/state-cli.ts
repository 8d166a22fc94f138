/**
 * The built CLI's `state` and `files` commands as the e2e state tests (test/e2e/state.test.ts,
 * state-set-dialects.test.ts) read them: `state show --json` parsed, the files of a source's
 * newest complete run, and a command run on a pseudo-terminal that answers its [y/N] question.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { expect } from 'vitest';
import { BIN, cli } from './cli.js';

export interface ShownState {
  source: string;
  watermark: { columns: string[]; values: unknown[]; text: string; set_by?: string } | null;
  lookback_digests: number;
  unfinished_run: { run_id: string; parts: number; directory: string } | null;
  last_run: { run_id: string; status: string } | null;
  warning?: string;
}

export const json = <T>(stdout: string): T => JSON.parse(stdout) as T;
export const show = (cwd: string, ...sources: string[]) =>
  json<{ sources: ShownState[] }>(cli(['state', 'show', ...sources, '--json'], { cwd }).stdout).sources;

/** The files of a source's newest complete run, as `moh-etl files --json` lists them. */
export const newestFiles = (cwd: string, source: string): string[] => {
  const r = cli(['files', source, '--json'], { cwd });
  expect(r.code, r.stderr).toBe(0);
  const listed = json<{ runs: { files: { path: string }[] }[] }>(r.stdout);
  return listed.runs[0]!.files.map((f) => path.resolve(cwd, f.path));
};

/** Run the CLI on a pseudo-terminal (util-linux `script`), answering its question with `answer`. */
export function onTerminal(
  cwd: string,
  args: string[],
  answer: string,
): Promise<{ code: number | null; output: string }> {
  const command = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const child = spawn('script', ['-qec', command, '/dev/null'], {
    cwd,
    env: { ...process.env, NO_COLOR: '1' },
  });
  let output = '';
  let answered = false;
  // The pty echoes and script may be gone by the time a late write lands: not the test's concern.
  child.stdin.on('error', () => undefined);
  child.stdout.on('data', (d: Buffer) => {
    output += d.toString();
    if (answered || !output.includes('[y/N]')) return;
    answered = true;
    child.stdin.write(`${answer}\n`);
  });
  const guard = setTimeout(() => child.kill('SIGKILL'), 30_000);
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(guard);
      resolve({ code, output });
    }),
  );
}
