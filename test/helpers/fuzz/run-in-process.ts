/**
 * Run the CLI in this process: `main(argv)` with the working directory set to the case's project
 * and stdout/stderr captured. A thousand cases in one process take seconds where a thousand
 * `node` processes take minutes. What a command leaves behind in the process (signal and exit
 * handlers, process.exitCode, the working directory) is put back after each case; the secret
 * redactor cannot be reset, which is why every case has its own canary.
 */
import { main } from '../../../src/cli/main.js';

export interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
  /** The command had not finished after the watchdog's time. */
  hung: boolean;
  /** `main` threw (it must turn every error into an exit code). */
  threw?: string;
  /** Promise rejections nobody handled while the case ran. */
  unhandled: string[];
}

const EVENTS = ['SIGINT', 'SIGTERM', 'exit', 'uncaughtException', 'unhandledRejection', 'warning'] as const;
/** process's typed overloads take one event at a time; the plain emitter view takes any. */
const emitter: NodeJS.EventEmitter = process;

function capture(stream: NodeJS.WriteStream, into: string[]): () => void {
  // Put back exactly what was there: an own property (someone else's patch) or the prototype's.
  const own = Object.getOwnPropertyDescriptor(stream, 'write');
  stream.write = (chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
    into.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    const done = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    done?.();
    return true;
  };
  return () => {
    if (own) Object.defineProperty(stream, 'write', own);
    else Reflect.deleteProperty(stream, 'write');
  };
}

/** Run `moh-etl <args>` in `cwd`; never throws. */
export async function runInProcess(cwd: string, args: string[], watchdogMs: number): Promise<Outcome> {
  const listeners = new Map(EVENTS.map((e) => [e, new Set(emitter.listeners(e))]));
  const unhandled: string[] = [];
  const onUnhandled = (reason: unknown) =>
    unhandled.push(String(reason instanceof Error ? reason.stack : reason));
  process.on('unhandledRejection', onUnhandled);
  const exitCode = process.exitCode;
  const home = process.cwd();
  const out: string[] = [];
  const err: string[] = [];
  const restoreOut = capture(process.stdout, out);
  const restoreErr = capture(process.stderr, err);
  const t0 = performance.now();
  let timer: NodeJS.Timeout | undefined;
  let code = -1;
  let hung = false;
  let threw: string | undefined;
  try {
    process.chdir(cwd);
    const watchdog = new Promise<'hung'>((resolve) => {
      timer = setTimeout(() => resolve('hung'), watchdogMs);
    });
    const result = await Promise.race([main(['node', 'moh-etl', ...args]), watchdog]);
    if (result === 'hung') hung = true;
    else code = result;
  } catch (e) {
    threw = e instanceof Error ? (e.stack ?? e.message) : String(e);
  } finally {
    clearTimeout(timer);
    // A rejection from the command's last await surfaces on a later tick.
    await new Promise((resolve) => setImmediate(resolve));
    restoreOut();
    restoreErr();
    process.chdir(home);
    process.exitCode = exitCode;
    for (const [event, before] of listeners) {
      for (const l of emitter.listeners(event))
        if (!before.has(l)) emitter.removeListener(event, l as (...args: unknown[]) => void);
    }
  }
  return {
    code,
    stdout: out.join(''),
    stderr: err.join(''),
    ms: performance.now() - t0,
    hung,
    threw,
    unhandled,
  };
}
