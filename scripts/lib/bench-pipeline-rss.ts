/**
 * Where the pipeline benchmark's memory goes: the measured `moh-etl run --json` is sampled from
 * outside (VmRSS in /proc every 10 ms) and each sample counts for every phase its events say is
 * running, so the report can give, per source and phase, the process's peak while that phase ran,
 * beside GNU time's peak for the whole process. Sources run side by side: two extractions share
 * their peaks, and the one that caused it is not told apart (loads run alone). A sample every 10 ms
 * can miss a brief spike: GNU time's figure is the authoritative one.
 */
import { readFileSync } from 'node:fs';

/** The node process itself: GNU time's child when the CLI runs under /usr/bin/time. */
function targetPid(pid: number): number {
  try {
    const comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    if (comm !== 'time') return pid;
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/);
    return children[0] ? Number(children[0]) : pid;
  } catch {
    return pid;
  }
}

function residentBytes(pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined; // gone
  }
}

export class RssByPhase {
  readonly peaks = new Map<string, number>();
  /** The phases running now (`<source> <phase>`), or the stage of the process around them. */
  readonly #running = new Set<string>(['start-up']);
  #timer: NodeJS.Timeout | undefined;

  /** Start sampling `pid` (or, under GNU time, its child). */
  start(pid: number): void {
    let target = pid;
    this.#timer = setInterval(() => {
      if (target === pid) target = targetPid(pid);
      const rss = residentBytes(target);
      if (rss === undefined) return;
      for (const label of this.#running) this.peaks.set(label, Math.max(this.peaks.get(label) ?? 0, rss));
    }, 10);
  }

  /** One line of `--json` output: a phase that starts takes the following samples. */
  line(text: string): void {
    if (!text.startsWith('{')) return;
    let e: { type?: string; source?: string; phase?: string };
    try {
      e = JSON.parse(text) as typeof e;
    } catch {
      return;
    }
    if (e.type === 'phase-started') {
      this.#running.delete('start-up');
      this.#running.add(`${e.source} ${e.phase}`);
    } else if (e.type === 'phase-finished') this.#running.delete(`${e.source} ${e.phase}`);
    else if (e.type === 'run-finished') {
      this.#running.clear();
      this.#running.add('reports and exit');
    }
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  /** The peak of a source's phase (`extract`, `validate`, `load`), if sampled. */
  peak(source: string, phase: string): number | undefined {
    return this.peaks.get(`${source} ${phase}`);
  }
}
