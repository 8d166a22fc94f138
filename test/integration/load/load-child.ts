/**
 * A load in a child process, for the kill -9 test (kill.test.ts): merges the task's requests one
 * after the other, printing "start" once its modules are loaded and "loaded <run>" after each, and kills itself with SIGKILL at a given step
 * of a given load when asked to (a kill -9 at an exact point; the parent also kills at random times).
 */
import { loadSchema } from '../../../src/config/load-schema.js';
import { openDatasetStore, type LoadRequest, type LoadStep } from '../../../src/load/index.js';

export const TASK_VAR = 'MOH_LOAD_CHILD_TASK';

export interface ChildTask {
  root: string;
  config: Record<string, unknown>;
  requests: LoadRequest[];
  killAt?: { load: number; step: LoadStep };
}

const task = JSON.parse(process.env[TASK_VAR] ?? 'null') as ChildTask | null;
if (task) {
  let load = 0;
  const store = openDatasetStore(loadSchema.parse(task.config), task.root, {
    onStep: (_source, step) => {
      if (task.killAt && task.killAt.load === load && task.killAt.step === step)
        process.kill(process.pid, 'SIGKILL');
    },
  });
  process.stdout.write('start\n');
  for (; load < task.requests.length; load++) {
    const request = task.requests[load]!;
    await store.merge(request);
    process.stdout.write(`loaded ${request.runs[0]!.run_id}\n`);
  }
}
