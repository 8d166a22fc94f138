/**
 * The heartbeat file: a small JSON record the scheduler rewrites every interval, so monitoring (a
 * systemd watchdog script, a container health check, `moh-etl status`) can tell a live scheduler
 * from a hung or dead one by the age of `at`, and see what it is doing.
 */
import { hostname } from 'node:os';
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../write/atomic.js';

export interface HeartbeatRecord {
  pid: number;
  host: string;
  /** When this heartbeat was written (ISO). Stale after a few intervals: the scheduler is down. */
  at: string;
  started_at: string;
  /** Milliseconds between heartbeats, so a reader knows when `at` is stale. */
  interval_ms: number;
  next?: { job: string; at: string };
  running: { job: string; scheduled_for: string; started_at: string }[];
  /** stopping: a signal arrived and running jobs were asked to stop; stopped: it exited cleanly. */
  state: 'running' | 'stopping' | 'stopped';
}

/** Default interval between heartbeats: 30 seconds. */
export const DEFAULT_HEARTBEAT_MS = 30_000;

export function heartbeatRecord(fields: Omit<HeartbeatRecord, 'pid' | 'host'>): HeartbeatRecord {
  return { pid: process.pid, host: hostname(), ...fields };
}

export async function writeHeartbeat(file: string, record: HeartbeatRecord): Promise<void> {
  await writeFileAtomic(file, JSON.stringify(record, null, 2) + '\n', 0o640);
}

/** The heartbeat at `file`, or undefined when there is none or it is unreadable. */
export async function readHeartbeat(file: string): Promise<HeartbeatRecord | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as HeartbeatRecord;
  } catch {
    return undefined;
  }
}

/** Whether a heartbeat written at `record.at` is older than `intervals` intervals at `now`. */
export function heartbeatStale(record: HeartbeatRecord, now: Date, intervals = 3): boolean {
  return now.getTime() - Date.parse(record.at) > intervals * record.interval_ms;
}
