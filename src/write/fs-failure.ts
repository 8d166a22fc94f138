/**
 * File-system failures in words: "no space left on device" with the path, and a hint that fits the
 * cause. A full disk, a read-only mount and a missing permission need different fixes, and none of
 * them is "check the query template".
 */
import { isMohEtlError, OutputError } from '../errors.js';

const CAUSES: Record<string, { what: string; hint: string }> = {
  ENOSPC: {
    what: 'no space left on device',
    hint: 'free space on that disk (or point the directory elsewhere); the run resumes from its last checkpoint',
  },
  EDQUOT: {
    what: 'disk quota exceeded',
    hint: 'free space or raise the quota; the run resumes from its last checkpoint',
  },
  EROFS: {
    what: 'read-only file system',
    hint: 'the directory is on a read-only mount: point the setting at a writable disk',
  },
  EACCES: {
    what: 'permission denied',
    hint: 'run moh-etl as a user who may write there, or point the setting at a directory it owns',
  },
  EPERM: {
    what: 'operation not permitted',
    hint: 'run moh-etl as a user who may write there, or point the setting at a directory it owns',
  },
  ENOTDIR: {
    what: 'a file stands where a directory is expected',
    hint: 'move the file away, or point the setting at a directory',
  },
  EEXIST: {
    what: 'a file stands where a directory is expected',
    hint: 'move the file away, or point the setting at a directory',
  },
  EISDIR: {
    what: 'a directory stands where a file is expected',
    hint: 'move the directory away, or point the setting at a file',
  },
  EMFILE: { what: 'too many open files', hint: 'raise the open-file limit (ulimit -n)' },
  EIO: { what: 'input/output error', hint: 'the disk reported an error: check it (dmesg)' },
};

/** The errno code of a Node file-system error, if it is one. */
export function fsErrorCode(e: unknown): string | undefined {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && /^E[A-Z]+$/.test(code) ? code : undefined;
}

/**
 * An OutputError for a failed file operation: `cannot <action> <path>: <cause>` with a fitting hint.
 * Errors that already are ours pass through unchanged.
 */
export function outputFailure(e: unknown, action: string, path: string, setting?: string): Error {
  if (isMohEtlError(e)) return e;
  const code = fsErrorCode(e);
  const cause = code ? CAUSES[code] : undefined;
  const what = cause?.what ?? (e instanceof Error ? e.message : String(e));
  const hint = cause && setting ? `${cause.hint} (${setting})` : cause?.hint;
  return new OutputError(`cannot ${action} ${path}: ${what}`, { cause: e, hint });
}

/** Run a synchronous file operation, turning its failure into an outputFailure. */
export function withFs<T>(action: string, path: string, fn: () => T, setting?: string): T {
  try {
    return fn();
  } catch (e) {
    throw outputFailure(e, action, path, setting);
  }
}
