/**
 * What a run of cases says: each failure with everything needed to rerun it, the one-line summary
 * (cases, exit codes, seed, time) and where the time went per command.
 */
import type { CaseResult } from './run-case.js';

/** Everything needed to rerun and understand a failed case. */
export function describeFailure(r: CaseResult, how: string): string {
  const { c, o } = r;
  const shownArgs = c.args.map((a) => (a.length > 60 ? `<${a.length} chars>` : JSON.stringify(a))).join(' ');
  const excerpt = (text: string) =>
    text
      .split('\n')
      .filter(Boolean)
      .slice(0, 6)
      .map((l) => `      | ${l.length > 240 ? `${l.slice(0, 240)}…` : l}`)
      .join('\n');
  return [
    `case #${c.index} (${how}): ${c.label}`,
    `    command: moh-etl ${shownArgs}${c.probe ? '   (with MOH_DEMO_DB: the demo database)' : ''}`,
    `    exit ${o.code} after ${o.ms.toFixed(0)} ms; expected ${c.expect === 'reject' ? '2' : '0, 1 or 2'}`,
    ...r.problems.map((p) => `    - ${p}`),
    o.stderr.trim() ? `    stderr:\n${excerpt(o.stderr)}` : '    stderr: (empty)',
    o.stdout.trim() && r.problems.some((p) => /stack|internal|JavaScript/.test(p))
      ? `    stdout:\n${excerpt(o.stdout)}`
      : '',
    `    rerun: MOH_FUZZ_SEED=${c.seed} MOH_FUZZ_ONLY=${c.index} npx vitest run test/e2e/fuzz.test.ts`,
  ]
    .filter(Boolean)
    .join('\n');
}

export interface Tally {
  cases: number;
  rejected: number;
  failed: number;
  accepted: number;
  other: number;
  failing: number;
}

export function tally(results: CaseResult[]): Tally {
  const codes = results.map((r) => r.o.code);
  return {
    cases: results.length,
    rejected: codes.filter((c) => c === 2).length,
    failed: codes.filter((c) => c === 1).length,
    accepted: codes.filter((c) => c === 0).length,
    other: codes.filter((c) => c !== 0 && c !== 1 && c !== 2).length,
    failing: results.filter((r) => r.problems.length > 0).length,
  };
}

/** `cpuSeconds`: this process's CPU time over the run, the figure a busy machine does not inflate. */
export function summaryLine(
  how: string,
  t: Tally,
  seed: number,
  seconds: number,
  cpuSeconds?: number,
): string {
  return (
    `[fuzz] ${how}: ${t.cases} cases, ${t.rejected} rejected (exit 2), ${t.failed} failed (exit 1), ` +
    `${t.accepted} accepted (exit 0)${t.other ? `, ${t.other} other` : ''}; ${t.failing} failing; ` +
    `seed ${seed} (MOH_FUZZ_SEED=${seed}); ${seconds.toFixed(1)} s` +
    (cpuSeconds === undefined ? '' : ` (${cpuSeconds.toFixed(1)} s CPU in this process)`)
  );
}

/** Mean and worst time per command (the first word, `--dry-run` apart): where the minutes go. */
export function timingLine(results: CaseResult[]): string {
  const by = new Map<string, number[]>();
  for (const { c, o } of results) {
    const first = c.args[0] ?? '(none)';
    const command = /^[a-z]{1,12}$/.test(first) ? first : '(other)';
    const name = `${command}${c.args.includes('--dry-run') ? ' --dry-run' : ''}${c.probe ? ' +db' : ''}`;
    by.set(name, [...(by.get(name) ?? []), o.ms]);
  }
  const parts = [...by]
    .sort(([, a], [, b]) => b.reduce((x, y) => x + y, 0) - a.reduce((x, y) => x + y, 0))
    .map(
      ([name, ms]) =>
        `${name} ${ms.length}× ${(ms.reduce((x, y) => x + y, 0) / ms.length).toFixed(0)} ms (max ${Math.max(...ms).toFixed(0)})`,
    );
  return `[fuzz] time per command: ${parts.join('; ')}`;
}
