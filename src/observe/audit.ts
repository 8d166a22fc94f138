/**
 * The audit trail: one JSON line in audit.log per command that ran — who (OS user, host, pid),
 * what (the command line with secrets redacted, the sha256 of database.yml and queries.yml), on
 * what (sources, modes, ranges), with what result (rows per source, the files written with their
 * sha256 from each run's manifest, processed dataset versions, exit code, duration). Names,
 * counts, paths and hashes only: never a cell value, a watermark or a secret.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { hostname, userInfo } from 'node:os';
import path from 'node:path';
import type { RunSummary, SourceResult } from '../pipeline/summary.js';
import { writeAuditLine, type Logger } from './logger.js';
import { readManifestSummary } from './manifest-parts.js';
import { redactArgv } from './redact-argv.js';

export const AUDIT_VERSION = 1;

export interface AuditInput {
  /** The command: extract, run, validate, schedule, check … */
  command: string;
  /** The arguments after the program (process.argv.slice(2)); redacted before they are written. */
  argv: readonly string[];
  exitCode: number;
  started: Date;
  /** Default: now. */
  finished?: Date;
  /** database.yml and queries.yml (LoadedConfig.file, .queriesFile), hashed when given. */
  configFile?: string;
  queriesFile?: string;
  /** Paths under it are written relative to it; default process.cwd(). */
  root?: string;
  /** The run record, for commands that ran sources. */
  record?: RunSummary;
}

export interface AuditFile {
  path: string;
  rows: number;
  bytes: number;
  sha256: string;
}

export interface AuditSource {
  source: string;
  status: string;
  mode: string;
  /** Rows extracted (committed to part files). */
  rows: number;
  /** Rows in the processed dataset's increment, when the load phase ran. */
  loaded_rows?: number;
  /** The processed dataset's version now current (phases.load.version). */
  dataset_version?: string;
  range?: { start: string; end: string };
  manifest?: string;
  files: AuditFile[];
}

export interface AuditRecord {
  audit_version: number;
  user: string;
  uid?: number;
  host: string;
  pid: number;
  cwd: string;
  command: string;
  argv: string[];
  config: { file: string; sha256: string | null }[];
  run_id?: string;
  trigger?: string;
  job?: string;
  status?: string;
  range?: { start: string; end: string };
  sources: AuditSource[];
  rows: number;
  exit_code: number;
  started_at: string;
  finished_at: string;
  duration_ms: number;
}

/** Build the record (reads the config files and the manifests; never throws). */
export async function buildAuditRecord(input: AuditInput): Promise<AuditRecord> {
  const root = input.root ?? process.cwd();
  const shown = (p: string) => shownPath(root, p);
  const finished = input.finished ?? new Date();
  const record = input.record;
  const sources = await Promise.all((record?.sources ?? []).map((r) => auditSource(r, shown)));
  const configFiles = [input.configFile, input.queriesFile].filter((f): f is string => f !== undefined);
  return {
    audit_version: AUDIT_VERSION,
    ...osUser(),
    host: hostname(),
    pid: process.pid,
    cwd: process.cwd(),
    command: input.command,
    argv: redactArgv(input.argv),
    config: await Promise.all(configFiles.map(async (f) => ({ file: shown(f), sha256: await sha256Of(f) }))),
    ...(record
      ? {
          run_id: record.run_id,
          ...(record.trigger ? { trigger: record.trigger } : {}),
          ...(record.job ? { job: record.job } : {}),
          status: record.status,
          ...(record.range ? { range: record.range } : {}),
        }
      : {}),
    sources,
    rows: sources.reduce((n, s) => n + s.rows, 0),
    exit_code: input.exitCode,
    started_at: input.started.toISOString(),
    finished_at: finished.toISOString(),
    duration_ms: finished.getTime() - input.started.getTime(),
  };
}

/**
 * Write the command's audit record to audit.log; call once per command, at its end, before
 * `closeLogger`. Resolves with the record, or undefined when the logger has no files (a dry run)
 * or the record could not be built (reported on the logger at error level; never throws).
 */
export async function auditRecord(log: Logger, input: AuditInput): Promise<AuditRecord | undefined> {
  try {
    const record = await buildAuditRecord(input);
    return writeAuditLine(log, record) ? record : undefined;
  } catch (e) {
    log.error({ err: e }, 'cannot write the audit record');
    return undefined;
  }
}

async function auditSource(r: SourceResult, shown: (p: string) => string): Promise<AuditSource> {
  const manifest = r.manifest ? await readManifestSummary(r.manifest) : undefined;
  const load = r.phases?.load;
  return {
    source: r.source,
    status: r.status,
    mode: r.mode,
    rows: r.rows,
    ...(load && load.status === 'succeeded' ? { loaded_rows: load.rows_out } : {}),
    ...(load?.version ? { dataset_version: load.version } : {}),
    ...(manifest?.range ? { range: manifest.range } : {}),
    ...(r.manifest ? { manifest: shown(r.manifest) } : {}),
    // Only a manifest vouches for finished files; a failed source's committed parts await its resume.
    files: manifest
      ? manifest.parts.map((p) => ({ path: shown(p.path), rows: p.rows, bytes: p.bytes, sha256: p.sha256 }))
      : [],
  };
}

/** The OS account: userInfo() throws in containers whose uid has no passwd entry. */
function osUser(): { user: string; uid?: number } {
  const uid = process.getuid?.();
  let user: string | undefined;
  try {
    user = userInfo().username;
  } catch {
    user = process.env.USER || process.env.LOGNAME || process.env.USERNAME;
  }
  return {
    user: user || (uid === undefined ? 'unknown' : `uid:${uid}`),
    ...(uid === undefined ? {} : { uid }),
  };
}

async function sha256Of(file: string): Promise<string | null> {
  try {
    return createHash('sha256')
      .update(await readFile(file))
      .digest('hex');
  } catch {
    return null;
  }
}

function shownPath(root: string, p: string): string {
  const rel = path.relative(root, path.resolve(root, p));
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : path.resolve(root, p);
}
