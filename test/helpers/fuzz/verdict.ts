/**
 * What every case must satisfy, as a list of problems (empty: the case passed): a documented
 * exit code (2 when the mutation must be refused), no stack trace or internal error, a refusal
 * in the documented form, nothing written by a refused or read-only command, no canary anywhere.
 */
import type { FuzzCase } from './cases.js';
import type { Outcome } from './run-in-process.js';

const STACK_FRAME = /^\s+at .+(\(.*:\d+:\d+\)|:\d+:\d+)$/m;
const INTERNAL = /internal error|This is a bug/;
/** JS error text that only reaches a user through a bug (a message the code did not write). */
const JS_ERROR =
  /\b(TypeError|ReferenceError|RangeError|Cannot read propert\w+ of|is not a function|is not iterable|undefined is not|\[object Object\])/;
const CONFIG_BLOCK = /^error: invalid configuration \((\d+) problems?\):$/;
const AFTER_ERROR = /^(hint: |\(.*\)$)/;

export function judge(c: FuzzCase, o: Outcome, written: string[], canaryFiles: string[]): string[] {
  const problems: string[] = [];
  if (o.hung) return ['did not finish (watchdog)'];
  if (o.threw !== undefined) problems.push(`main() threw: ${firstLine(o.threw)}`);
  for (const u of o.unhandled) problems.push(`unhandled rejection: ${firstLine(u)}`);
  if (![0, 1, 2].includes(o.code)) problems.push(`exit ${o.code} (documented: 0, 1 or 2 here)`);
  else if (c.expect === 'reject' && o.code !== 2)
    problems.push(`exit ${o.code}: expected 2, the mutation must be refused`);
  const both = `${o.stdout}\n${o.stderr}`;
  // Asked for debug or trace on the console, a person gets the drivers' own diagnostics (knex
  // prints a refused connection with its stack); the one-clear-line rule is for normal levels.
  if (STACK_FRAME.test(both) && !verbose(c.args))
    problems.push(`stack trace: ${firstMatch(both, STACK_FRAME)}`);
  if (INTERNAL.test(both)) problems.push(`internal error: ${firstMatch(both, INTERNAL)}`);
  if (JS_ERROR.test(both)) problems.push(`JavaScript error text: ${firstMatch(both, JS_ERROR)}`);
  if (both.includes(c.ws.canary)) problems.push('the canary secret was printed');
  for (const f of canaryFiles) problems.push(`the canary secret was written to ${f}`);
  if (o.code === 2) problems.push(...refusalForm(o.stderr));
  if ((o.code === 2 || c.readOnly) && written.length > 0) {
    const more = written.length > 4 ? ` (+${written.length - 4} more)` : '';
    problems.push(
      `${o.code === 2 ? 'refused' : 'read-only'} command wrote: ${written.slice(0, 4).join(', ')}${more}`,
    );
  }
  return problems;
}

/**
 * A refusal is `error: …` (maybe `hint: …`, or commander's `(…)` advice), or the configuration
 * block with exactly one indented line per problem, or the usage text (no command given).
 */
export function refusalForm(stderr: string): string[] {
  const lines = stderr.replace(/\n+$/, '').split('\n');
  const first = lines[0] ?? '';
  if (first.startsWith('Usage: ')) return [];
  if (!first.startsWith('error: '))
    return [`refusal does not start with "error: ": ${JSON.stringify(cut(first))}`];
  const block = CONFIG_BLOCK.exec(first);
  let rest = lines.slice(1);
  if (block) {
    const n = Number(block[1]);
    const problems = rest.filter((l) => l.startsWith('  '));
    if (problems.length !== n || rest.slice(0, n).some((l) => !l.startsWith('  ')))
      return [
        `"${first}" is followed by ${problems.length} indented line(s): a problem's message spans lines`,
      ];
    rest = rest.slice(n);
  }
  const stray = rest.find((l) => !AFTER_ERROR.test(l));
  return stray === undefined ? [] : [`more than one clear line: ${JSON.stringify(cut(stray))}`];
}

function verbose(args: string[]): boolean {
  const i = args.lastIndexOf('--log-level');
  return i >= 0 && ['trace', 'debug'].includes(args[i + 1] ?? '');
}

function firstLine(text: string): string {
  return cut(text.split('\n')[0] ?? '');
}

function firstMatch(text: string, re: RegExp): string {
  const line = text.split('\n').find((l) => re.test(l)) ?? '';
  return JSON.stringify(cut(line.trim()));
}

const cut = (s: string) => (s.length > 200 ? `${s.slice(0, 200)}…` : s);
