/**
 * node-sql-parser, one dialect's grammar at a time. The package's main entry holds every grammar it
 * knows (~480 ms to load on the shared 2-core machine, a third of a small run's wall time); the
 * per-dialect builds load in 6–25 ms. A grammar is loaded the first time a statement of its dialect
 * is read, so a run pays only for the databases its config names — and a `--version` for none.
 */
import { createRequire } from 'node:module';
import type { Parser as ParserClass } from 'node-sql-parser';

/** The grammars moh-etl reads statements with (node-sql-parser's `database` names). */
export type ParserDatabase = 'postgresql' | 'mariadb' | 'sqlite' | 'transactsql';

const require = createRequire(import.meta.url);
const loaded = new Map<ParserDatabase, ParserClass>();

/** A parser for `database`'s grammar (built once per process). */
export function sqlParser(database: ParserDatabase): ParserClass {
  let parser = loaded.get(database);
  if (!parser) {
    const build = require(`node-sql-parser/build/${database}.js`) as { Parser: typeof ParserClass };
    parser = new build.Parser();
    loaded.set(database, parser);
  }
  return parser;
}
