/**
 * Cross-field rules that a schema cannot express: references between sections and files. Each
 * problem names the key path that has to change.
 */
import type { ConfigProblem } from '../errors.js';
import { lineOf, type YamlSource } from './issues.js';
import type { ConnectionClient, DatabaseConfig, QueryTemplate } from './schema.js';
import { statementProblem } from './statement-check.js';
import { outerPagingClauses, templateBindings } from './template.js';
import { alertsRules } from './alerts-schema.js';
import { loadRules } from './load-schema.js';
import { scheduleRules } from './schedule-schema.js';
import { transformRules } from './transform-schema.js';
import { validationRules } from './validation-schema.js';

export function checkRules(
  config: DatabaseConfig,
  queries: Record<string, QueryTemplate>,
  src: YamlSource,
  queriesFile: string,
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const at = (path: string[], message: string) =>
    problems.push({ file: src.file, line: lineOf(src, path), path: path.join('.'), message });
  const connections = Object.keys(config.connections);
  const list = (names: string[]) => (names.length ? names.join(', ') : '(none defined)');

  const defaultConnection = config.extraction.default_connection;
  if (defaultConnection && !config.connections[defaultConnection]) {
    at(
      ['extraction', 'default_connection'],
      `no connection named "${defaultConnection}" (defined: ${list(connections)})`,
    );
  }

  for (const [name, source] of Object.entries(config.sources)) {
    if (!config.connections[source.connection]) {
      at(
        ['sources', name, 'connection'],
        `no connection named "${source.connection}" (defined: ${list(connections)})`,
      );
    }
    const queryName = source.query ?? name;
    const template = queries[queryName];
    if (!template) {
      at(
        ['sources', name, source.query ? 'query' : ''].filter(Boolean),
        `no query template "${queryName}" in ${queriesFile} (defined: ${list(Object.keys(queries))})`,
      );
    } else {
      const sqls = [template.sql, ...Object.values(template.dialects)];
      for (const binding of new Set(sqls.flatMap(templateBindings))) {
        if (!Object.hasOwn(source.params, binding)) {
          at(
            ['sources', name, 'params'],
            `query "${queryName}" uses :${binding} but no value is given under params`,
          );
        }
      }
    }
    const mode = source.mode ?? config.extraction.default_mode;
    if (mode === 'incremental' && !source.cursor_column) {
      at(
        ['sources', name],
        'incremental mode needs cursor_column (e.g. updated_at); set it, or set mode: full for a reference table',
      );
    }
  }

  for (const [queryName, template] of Object.entries(queries)) {
    const variants: [string, string, ConnectionClient[]][] = [
      ['sql', template.sql, clientsOf(config, queryName)],
      ...Object.entries(template.dialects).map(([d, q]): [string, string, ConnectionClient[]] => [
        `dialects.${d}`,
        q,
        [d as ConnectionClient],
      ]),
    ];
    for (const [key, sql, clients] of variants) {
      const problem = [undefined, ...clients]
        .map((client) => statementProblem(sql, client))
        .find((p) => p !== undefined);
      if (problem) {
        problems.push({ file: queriesFile, path: `${queryName}.${key}`, message: problem });
        continue;
      }
      const clauses = outerPagingClauses(sql);
      if (clauses.length)
        problems.push({
          file: queriesFile,
          path: `${queryName}.${key}`,
          message: `a template is a plain SELECT: remove ${clauses.join(', ')} (moh-etl adds its own ORDER BY and LIMIT for each batch)`,
        });
    }
  }

  validationRules(config, at);

  scheduleRules(config, at);
  alertsRules(config.alerts, at);
  transformRules(config.transform, config.sources, at);
  loadRules(config.load, Object.keys(config.sources), at);
  return problems;
}

/** The clients of the connections whose sources use a template (its own SQL, not a dialect override). */
function clientsOf(config: DatabaseConfig, queryName: string): ConnectionClient[] {
  const clients = Object.entries(config.sources)
    .filter(([name, s]) => (s.query ?? name) === queryName)
    .map(([, s]) => config.connections[s.connection]?.client)
    .filter((c): c is ConnectionClient => c !== undefined);
  return [...new Set(clients)];
}
