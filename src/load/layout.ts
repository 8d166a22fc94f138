/**
 * Where a dataset's pieces live. The only code that builds a path under load.directory or
 * load.archive_directory.
 *
 *   <directory>/<source>                     → symlink to ../<archive>/<source>/<version> (the current version)
 *   <archive>/<source>/<version>/            a complete, immutable version (current or archived)
 *       _version.json                        its metadata
 *       visit_month=2025-01/part-<uuid>.parquet
 *   <archive>/<source>/.work-<version>/      a load in progress: spill files and the version being built
 *   <archive>/<source>/.trash-<version>/     a version being deleted by retention
 *   <archive>/<source>/.load.lock            one load per dataset at a time
 *   <directory>/.<source>.<pid>-<hex>.link   the new link, an instant before it is renamed over the old
 *
 * Versions are built and kept in the archive from the start, and the current one is only pointed
 * at, so "moving the previous version to the archive" is nothing at all: the switch is one rename(2)
 * of a symlink, and a reader still going through the old version keeps its files until retention.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';

export const WORK_PREFIX = '.work-';
export const TRASH_PREFIX = '.trash-';
export const LOCK_NAME = '.load';

export class DatasetLayout {
  /** Absolute load.directory. */
  readonly directory: string;
  /** Absolute load.archive_directory. */
  readonly archive: string;

  constructor(directory: string, archive: string) {
    this.directory = path.resolve(directory);
    this.archive = path.resolve(archive);
  }

  /** The path readers use: the link to the current version. */
  link(source: string): string {
    return path.join(this.directory, source);
  }

  /** A fresh name for the new link, beside the old one (rename(2) needs one file system). */
  tempLink(source: string): string {
    return path.join(this.directory, `.${source}.${process.pid}-${randomBytes(4).toString('hex')}.link`);
  }

  isTempLink(source: string, name: string): boolean {
    return name.startsWith(`.${source}.`) && name.endsWith('.link');
  }

  versions(source: string): string {
    return path.join(this.archive, source);
  }

  version(source: string, version: string): string {
    return path.join(this.versions(source), version);
  }

  work(source: string, version: string): string {
    return path.join(this.versions(source), `${WORK_PREFIX}${version}`);
  }

  trash(source: string, version: string): string {
    return path.join(this.versions(source), `${TRASH_PREFIX}${version}`);
  }

  /** The link's target, relative, so that moving the whole data directory keeps it valid. */
  linkTarget(source: string, version: string): string {
    return path.relative(this.directory, this.version(source, version));
  }
}
