/**
 * What the extraction benchmark (scripts/bench_extract.ts) measures, shared by the parent and its
 * measuring child process (bench-extract-child.ts). No imports beyond node:fs, so the child's RSS
 * carries nothing the measured code does not load itself.
 */
import { readFileSync } from 'node:fs';

/** Environment variable holding the child's task as JSON. */
export const TASK_VAR = 'MOH_BENCH_TASK';
/** Environment variable holding the database password (the project config reads it as ${…}). */
export const PASSWORD_VAR = 'MOH_BENCH_PASSWORD';

/** planSource + readBatches in full mode, batches counted and dropped. */
export interface ExtractTask {
  kind: 'extract';
  root: string;
  source: string;
  batchSize: number;
}
/** runExtract (the real pipeline, CSV writer included). */
export interface PipelineTask {
  kind: 'pipeline';
  root: string;
  source: string;
  mode: 'full' | 'incremental';
}
/** The modules of a phase loaded, the connection opened and the source planned: that phase's RSS floor. */
export interface IdleTask {
  kind: 'idle';
  root: string;
  source: string;
  modules: 'extract' | 'pipeline';
}
export type Task = ExtractTask | PipelineTask | IdleTask;

export interface Measurement {
  rows: number;
  /** Wall-clock seconds of the measured work (process start-up and module loading excluded). */
  seconds: number;
  /** CPU seconds (user + system, all threads) of the process doing the work. */
  cpuSeconds?: number;
  /** Busy CPU seconds of the whole machine over the phase (all cores: client, server, anything else). */
  machineCpuSeconds?: number;
  peakRssBytes?: number;
  /** Bytes of output files (end to end). */
  bytes?: number;
  batches?: number;
}

export type ChildMessage = { ok: true; result: Measurement } | { ok: false; error: string };

/** Linux USER_HZ: /proc/stat counts in 1/100 s on every mainstream architecture. */
const CLOCK_TICKS = 100;

/** Busy CPU seconds of the machine so far (all cores; all but idle and iowait); undefined off Linux. */
export function machineBusySeconds(): number | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const f = line.trim().split(/\s+/).slice(1).map(Number);
    const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
    return (total - (f[3] ?? 0) - (f[4] ?? 0)) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

export function busyBetween(start: number | undefined, end: number | undefined): number | undefined {
  return start !== undefined && end !== undefined ? end - start : undefined;
}

/** Peak resident set of this process: VmHWM from /proc, else getrusage's maxRSS. */
export function peakRss(): number {
  try {
    const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS * 1024;
}
