#!/usr/bin/env node
import { main, reportError } from './main.js';

/** How long a finished command waits for open handles to close before it exits anyway. */
const EXIT_GRACE_MS = 2_000;

// Everything moh-etl creates holds patient data: no file or directory is readable by others, and
// none is group-writable, whatever umask the shell or cron started us with (0750 / 0640 at most).
process.umask(process.umask() | 0o027);

// `moh-etl status | head`: the reader went away; that is not an error of ours.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

// An error nobody awaited is still reported the one way errors are, and ends the process.
const fatal = (e: unknown) => {
  process.exitCode = reportError(e, (line) => process.stderr.write(line + '\n'));
  process.exit();
};
process.on('unhandledRejection', fatal);
process.on('uncaughtException', fatal);

process.exitCode = await main(process.argv);

// The command is done: a driver's socket or timer left open must not keep the process alive (a
// hung cron job is worse than a failed one). Output still flushes; only a stuck handle is cut.
setTimeout(() => process.exit(), EXIT_GRACE_MS).unref();
