/** The shapes shared by the throwaway servers (see ../servers.ts). */
export interface RunningServer {
  kind: 'postgres' | 'mariadb';
  host: string;
  port: number;
  user: string;
  password: string;
  /** A database created for the tests (`moh_test`). */
  database: string;
  /** postgres://user:password@127.0.0.1:port/moh_test or mysql://… */
  url: string;
  /** `SELECT version()`. */
  version: string;
  /** Stops the server, waits for it to exit and removes its directory. Idempotent. */
  stop(): Promise<void>;
}

/** The server cannot run on this machine at all (not installed, unsupported platform); the message says why. */
export class ServerUnavailable extends Error {
  override name = 'ServerUnavailable';
}

export interface StartOptions {
  /** Parent of the server's temp directory. Default: os.tmpdir(). As root, must be traversable by `postgres`/`nobody`. */
  baseDir?: string;
}
