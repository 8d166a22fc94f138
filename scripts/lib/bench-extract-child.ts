/**
 * The measuring child of scripts/bench_extract.ts: one phase per process, so the peak RSS it reports
 * (VmHWM) is that phase's alone. Forked by the parent with the task in MOH_BENCH_TASK; answers with
 * one IPC message (ChildMessage) and exits.
 *
 * Only what extraction needs is imported statically; the pipeline (with its writers) is imported
 * when a task needs it, so the extraction-only figure does not carry the writers' modules.
 */
import { statSync } from 'node:fs';
import { loadConfig, type LoadedConfig } from '../../src/config/load.js';
import { openConnection } from '../../src/db/connection.js';
import { readBatches } from '../../src/extract/batches.js';
import { bounded, planSource } from '../../src/extract/plan.js';
import {
  busyBetween,
  machineBusySeconds,
  PASSWORD_VAR,
  peakRss,
  TASK_VAR,
  type ChildMessage,
  type Measurement,
  type PipelineTask,
  type Task,
} from './bench-measure.js';

async function pipeline(loaded: LoadedConfig, task: PipelineTask): Promise<{ rows: number; bytes: number }> {
  const { runExtract } = await import('../../src/pipeline/extract-step.js');
  const { silentLogger } = await import('../../src/observe/logger.js');
  const summary = await runExtract(loaded, { sources: [task.source], mode: task.mode }, silentLogger());
  const result = summary.sources[0];
  if (!result || result.status !== 'succeeded')
    throw new Error(`runExtract failed: ${result?.error ?? 'no result'}`);
  return { rows: result.rows, bytes: result.files.reduce((sum, f) => sum + statSync(f).size, 0) };
}

async function run(task: Task): Promise<Measurement> {
  if (task.kind === 'idle' && task.modules === 'pipeline') {
    await import('../../src/pipeline/extract-step.js');
    await import('../../src/observe/logger.js');
  }
  const loaded = loadConfig({ root: task.root, env: { [PASSWORD_VAR]: process.env[PASSWORD_VAR] } });
  const source = loaded.config.sources[task.source];
  if (!source) throw new Error(`no source ${task.source} in the benchmark project`);
  const cpu0 = process.cpuUsage();
  const busy0 = machineBusySeconds();
  const t0 = performance.now();
  const m: Measurement = { rows: 0, seconds: 0 };

  if (task.kind === 'pipeline') {
    Object.assign(m, await pipeline(loaded, task));
  } else {
    const conn = openConnection(
      source.connection,
      loaded.config.connections[source.connection]!,
      loaded.root,
    );
    try {
      const plan = await planSource(conn, {
        name: task.source,
        source,
        template: loaded.queries[source.query ?? task.source]!,
        mode: 'full',
        timeZone: loaded.config.extraction.timezone,
        batchSize: task.kind === 'extract' ? task.batchSize : loaded.config.extraction.batch_size,
      });
      if (task.kind === 'extract') {
        m.batches = 0;
        for await (const batch of readBatches(conn, bounded(conn, plan, undefined), undefined)) {
          m.rows += batch.rows.length;
          m.batches++;
        }
      }
    } finally {
      await conn.close();
    }
  }

  m.seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  m.cpuSeconds = (cpu.user + cpu.system) / 1e6;
  m.machineCpuSeconds = busyBetween(busy0, machineBusySeconds());
  m.peakRssBytes = peakRss();
  return m;
}

const json = process.env[TASK_VAR];
const send = process.send?.bind(process);
if (json === undefined || !send) {
  console.error(
    `${process.argv[1] ?? 'this'} is started by scripts/bench_extract.ts (fork, ${TASK_VAR} set)`,
  );
  process.exit(2);
}
// The parent gone (killed, crashed) means nobody wants the result: stop instead of reading on.
const orphaned = (): never => process.exit(1);
process.on('disconnect', orphaned);
let message: ChildMessage;
try {
  message = { ok: true, result: await run(JSON.parse(json) as Task) };
} catch (e) {
  message = { ok: false, error: e instanceof Error ? (e.stack ?? e.message) : String(e) };
}
process.off('disconnect', orphaned);
send(message, () => process.exit(message.ok ? 0 : 1));
