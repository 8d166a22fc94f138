/**
 * Where the pipeline benchmark's memory goes: the measured `moh-etl run --json` is sampled from
 * outside (VmRSS in /proc every 20 ms) and each sample is put to the phase its events say is
 * running, so the report can give a peak per source and phase beside GNU time's peak for the whole
 * process. A sample every 20 ms can miss a brief spike: GNU time's figure is the authoritative one.
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
  #label = 'start-up';
  #timer: NodeJS.Timeout | undefined;

  /** Start sampling `pid` (or, under GNU time, its child). */
  start(pid: number): void {
    let target = pid;
    this.#timer = setInterval(() => {
      if (target === pid) target = targetPid(pid);
      const rss = residentBytes(target);
      if (rss !== undefined) this.peaks.set(this.#label, Math.max(this.peaks.get(this.#label) ?? 0, rss));
    }, 20);
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
    if (e.type === 'phase-started') this.#label = `${e.source} ${e.phase}`;
    else if (e.type === 'run-finished') this.#label = 'reports and exit';
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  /** The peak of a source's phase (`extract`, `validate`, `load`), if sampled. */
  peak(source: string, phase: string): number | undefined {
    return this.peaks.get(`${source} ${phase}`);
  }
}
