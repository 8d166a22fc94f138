#!/usr/bin/env node
import { main } from './main.js';

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

process.exitCode = await main(process.argv);
