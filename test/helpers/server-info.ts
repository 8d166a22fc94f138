/**
 * What test/helpers/global-setup.ts hands to the test workers (through vitest's provide/inject): for each
 * database server, its connection details or why it is unavailable. Plain data: it is serialized.
 */
export type ServerKind = 'postgres' | 'mariadb';

export const SERVER_KINDS: readonly ServerKind[] = ['postgres', 'mariadb'];

export interface ServerInfo {
  kind: ServerKind;
  host: string;
  port: number;
  user: string;
  password: string;
  /** The server's default test database (`moh_test`). Prefer freshDatabase() for isolation. */
  database: string;
  url: string;
  /** `SELECT version()`. */
  version: string;
}

export type ServerStatus = { available: true; info: ServerInfo } | { available: false; reason: string };

export type ServerStatuses = Record<ServerKind, ServerStatus>;

declare module 'vitest' {
  export interface ProvidedContext {
    mohServers: ServerStatuses;
  }
}

/** CI=true (or 1, yes): unavailable servers fail the run instead of skipping. */
export function isCI(): boolean {
  const value = (process.env.CI ?? '').trim().toLowerCase();
  return value !== '' && value !== 'false' && value !== '0' && value !== 'no';
}
