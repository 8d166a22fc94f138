/** `moh-etl state reset <source>`: forget a source's watermark so the next incremental starts over. */
import path from 'node:path';
import { ExitCode } from '../../errors.js';
import { lockSource } from '../../extract/lock.js';
import { StateStore } from '../../extract/state.js';
import { loadContext } from '../context.js';
import { resolveSources, type CommonFlags } from '../options.js';
import { stdout, type Out } from '../print.js';

export async function stateResetCommand(
  sources: string[],
  flags: CommonFlags,
  out: Out = stdout,
): Promise<number> {
  const loaded = loadContext(flags);
  const names = resolveSources(loaded, sources);
  const store = new StateStore(path.resolve(loaded.root, loaded.config.extraction.state_dir));
  for (const name of names) {
    // Resetting under a running extraction would let it write its checkpoint back afterwards.
    const lock = lockSource(store.directory, name, 'state-reset');
    let existed: boolean;
    try {
      existed = await store.reset(name);
    } finally {
      lock.release();
    }
    out(
      existed
        ? `${name}: state reset; the next incremental run reads from the beginning`
        : `${name}: no state to reset`,
    );
  }
  return ExitCode.Success;
}
