/**
 * The parent side of scripts/bench_write.ts's measurements: a phase run in a forked child (its
 * Measurement back over IPC), and psql `\copy (select * from …) to '/dev/null' csv` under
 * /usr/bin/time for its peak RSS. Every child is tracked, so the parent can kill what is left.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { PASSWORD_VAR, TASK_VAR, type Measurement, type Task } from './bench-write-task.js';
import type { RunningServer } from './servers.js';

/** Children still running: killed by the parent on its way out. */

export const children = new Set<ChildProcess>();
export const track = <T extends ChildProcess>(child: T): T => {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
};

/** A phase in a child: `script` (bench_write itself) forked with the task in its environment. */
export function runChild(
  script: string,
  task: Task,
  password: string,
  execArgv: string[],
): Promise<Measurement> {
  return new Promise((resolve, reject) => {
    const child = track(
      fork(script, [], {
        execArgv,
        env: { ...process.env, [TASK_VAR]: JSON.stringify(task), [PASSWORD_VAR]: password },
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      }),
    );
    let message: { ok: boolean; result?: Measurement; error?: string } | undefined;
    child.on('message', (m) => (message = m as typeof message));
    child.on('error', reject);
    child.on('exit', (code, signal) =>
      message?.ok && message.result
        ? resolve(message.result)
        : reject(new Error(`child failed (${signal ?? `exit ${code}`}): ${message?.error ?? 'no result'}`)),
    );
  });
}

export async function psqlCopy(server: RunningServer, table: string, dir: string): Promise<Measurement> {
  const timeFile = path.join(dir, `time-${table}.txt`);
  const psqlArgs = [
    ...['-X', '-v', 'ON_ERROR_STOP=1', '-h', server.host, '-p', String(server.port), '-U', server.user],
    ...['-d', server.database, '-c', `\\copy (select * from ${table}) to '/dev/null' csv`],
  ];
  const gnuTime = existsSync('/usr/bin/time');
  const [file, args] = gnuTime
    ? ['/usr/bin/time', ['-f', '%M %U %S', '-o', timeFile, 'psql', ...psqlArgs]]
    : ['psql', psqlArgs];
  const t0 = performance.now();
  const { code, out } = await new Promise<{ code: number | null; out: string }>((resolve, reject) => {
    const child = track(spawn(file, args, { env: { ...process.env, PGPASSWORD: server.password } }));
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (c) => resolve({ code: c, out }));
  });
  const seconds = (performance.now() - t0) / 1000;
  const copied = /COPY (\d+)/.exec(out);
  if (code !== 0 || !copied) throw new Error(`psql failed (exit ${code}): ${out.trim()}`);
  const m: Measurement = { rows: Number(copied[1]), seconds };
  if (gnuTime) {
    const [kb, user, sys] = (await readFile(timeFile, 'utf8')).trim().split(/\s+/).map(Number);
    m.peakRssBytes = (kb ?? 0) * 1024;
    m.cpuSeconds = (user ?? 0) + (sys ?? 0);
  }
  return m;
}
