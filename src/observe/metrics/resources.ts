/**
 * What a run cost the machine: peak resident memory and CPU time. CPU is a delta from the run's
 * start (all threads of the process, the Parquet worker included). Peak RSS is the kernel's
 * high-water mark for the whole process and cannot be reset: for the CLI, one run per process,
 * it is the run's peak; for a library caller running several runs in one process, it is the
 * peak so far.
 */
export interface ResourceBaseline {
  cpu: NodeJS.CpuUsage;
}

export interface RunResources {
  /** process.resourceUsage().maxRSS is in kilobytes; this is bytes. */
  peak_rss_bytes: number;
  cpu_user_s: number;
  cpu_system_s: number;
}

export function resourceBaseline(): ResourceBaseline {
  return { cpu: process.cpuUsage() };
}

/** Resources used since `baseline`; without one, since the process started. */
export function resourcesSince(baseline?: ResourceBaseline): RunResources {
  const cpu = process.cpuUsage(baseline?.cpu);
  return {
    peak_rss_bytes: process.resourceUsage().maxRSS * 1024,
    cpu_user_s: round(cpu.user / 1e6),
    cpu_system_s: round(cpu.system / 1e6),
  };
}

/** Millisecond precision is all a duration or CPU time here needs. */
export function round(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}
