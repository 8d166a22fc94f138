/**
 * Templates are probed before they can hurt: each source's query runs once with no rows (its column
 * types), then the configuration that names columns — primary_key, cursor_column, date_column,
 * pii_columns, the transform — is checked against what the query really returns. A problem found
 * here is a configuration problem (exit 2) naming the template and the server's message; a
 * connection that cannot be opened is reported as such, with its own hint.
 */
import path from 'node:path';
import type { LoadedConfig } from '../config/load.js';
import type { ConnectionSet } from '../db/connection.js';
import { ConfigError, type ConfigProblem, type MohEtlError } from '../errors.js';
import { planSource, sourceRequest, type SourcePlan } from '../extract/plan.js';
import { compileTransform, PseudonymKeyError, TransformConfigError } from '../transform/index.js';
import { asUserError } from './failure.js';

export interface SourceProbe {
  source: string;
  template: string;
  plan?: SourcePlan;
  /** Configuration problems: the template or the keys naming its columns. */
  problems: ConfigProblem[];
  /** The connection failed (not the template): nothing could be checked. */
  failure?: MohEtlError;
}

export async function probeSource(
  loaded: LoadedConfig,
  connections: ConnectionSet,
  name: string,
): Promise<SourceProbe> {
  const source = loaded.config.sources[name]!;
  const template = source.query ?? name;
  const shown = (file: string) => path.relative(loaded.root, file) || file;
  try {
    const conn = connections.get(source.connection);
    const mode = source.mode ?? loaded.config.extraction.default_mode;
    const plan = await planSource(conn, sourceRequest(loaded, name, mode));
    const problems: ConfigProblem[] = [];
    try {
      compileTransform({
        source: name,
        config: loaded.config.transform,
        columns: plan.columns,
        piiColumns: source.pii_columns,
        env: loaded.env,
        timeZone: loaded.config.extraction.timezone,
      });
    } catch (e) {
      if (e instanceof TransformConfigError) problems.push(e.toProblem(shown(loaded.file)));
      else if (e instanceof PseudonymKeyError)
        problems.push({ file: shown(loaded.file), path: 'transform.pseudonym_key_env', message: e.message });
      else throw e;
    }
    return { source: name, template, plan, problems };
  } catch (e) {
    const error = asUserError(
      e,
      { connection: source.connection, source: name, template, queriesFile: shown(loaded.queriesFile) },
      connections.dialectOf(source.connection),
    );
    return error instanceof ConfigError
      ? { source: name, template, problems: error.problems }
      : { source: name, template, problems: [], failure: error };
  }
}
