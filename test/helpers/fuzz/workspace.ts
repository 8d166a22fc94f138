/**
 * One fuzz case's project before it is written: the repository's config/database.yml and
 * config/queries.yml as YAML documents (mutated in place, keeping comments and layout), raw-text
 * rewrites applied after them, the `.env` lines and any other entries of the project directory.
 *
 * The documents are cloned only when a mutation touches them: most cases change one file or
 * none, and cloning and printing a document costs more than the CLI's own load of it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseDocument, type Document } from 'yaml';
import { REPO_ROOT } from '../config-fixture.js';
import { set } from './yaml-paths.js';

/** An entry of the project directory that is a directory rather than a file. */
export const DIRECTORY = Symbol('directory');
/** An entry that is not there (a config file removed). */
export const MISSING = Symbol('missing');
export type Entry = string | Buffer | typeof DIRECTORY | typeof MISSING;

/** The two config files, by their name under config/. */
export type ConfigFile = 'database.yml' | 'queries.yml';

/** The environment variable that holds the canary, referenced as `${MOH_FUZZ_CANARY}`. */
export const CANARY_VAR = 'MOH_FUZZ_CANARY';
/** A webhook URL whose path carries the canary (Slack keeps its token there). */
export const HOOK_VAR = 'MOH_FUZZ_HOOK';
/** The pseudonymisation key's variable (transform.pseudonym_key_env's default). */
export const KEY_VAR = 'MOH_PSEUDONYM_KEY';

const shippedText: Record<ConfigFile, string> = {
  'database.yml': readFileSync(path.join(REPO_ROOT, 'config/database.yml'), 'utf8'),
  'queries.yml': readFileSync(path.join(REPO_ROOT, 'config/queries.yml'), 'utf8'),
};
const shippedDoc: Record<ConfigFile, Document> = {
  'database.yml': parseDocument(shippedText['database.yml']),
  'queries.yml': parseDocument(shippedText['queries.yml']),
};

/** Additions to the shipped database.yml that put the canary where secrets live. */
const DECORATIONS = {
  /**
   * A PostgreSQL connection no source uses, with the canary as its password. Port 1 on loopback
   * refuses at once, so `check` fails it quickly (exit 1) without leaving the machine.
   */
  clinical: (doc: Document) =>
    set(doc, ['connections', 'clinical'], {
      client: 'postgres',
      host: '127.0.0.1',
      port: 1,
      database: 'clinical',
      user: 'moh_etl_reader',
      password: `\${${CANARY_VAR}}`,
      connect_timeout: '1s',
    }),
  /** Alert channels whose URL, header and SMTP password hold the canary. */
  alerts: (doc: Document) =>
    set(doc, ['alerts', 'channels'], {
      ops_slack: { type: 'slack', url: `\${${HOOK_VAR}}` },
      ops_hook: {
        type: 'webhook',
        url: 'http://127.0.0.1:1/hook',
        headers: { Authorization: `Bearer \${${CANARY_VAR}}` },
      },
      ops_email: {
        type: 'email',
        smtp: { host: '127.0.0.1', port: 1, user: 'etl', password: `\${${CANARY_VAR}}` },
        from: 'moh-etl <etl@example.org>',
        to: ['ops@example.org'],
      },
    }),
  /** A valid job with a date range over dated sources, so a bad range is the only problem. */
  'range-schedule': (doc: Document) =>
    set(doc, ['schedules', 'fuzz_range'], {
      cron: '0 1 * * *',
      mode: 'full',
      sources: ['attendances', 'diagnoses'],
      range: 'previous-week',
    }),
};
export type Decoration = keyof typeof DECORATIONS;
export const DECORATION_NAMES = Object.keys(DECORATIONS) as Decoration[];

/** Printed database.yml per set of decorations (a handful of combinations, each printed once). */
const decoratedText = new Map<string, string>();

export class Workspace {
  #db: Document | undefined;
  #queries: Document | undefined;
  readonly decorations: Decoration[] = [];
  /** Raw-text rewrites of a config file, applied to the text the document prints. */
  readonly raw: Partial<Record<ConfigFile, (text: string) => string | Buffer>> = {};
  /** `.env` of the project root, NAME → value (ignored when `extras` has an entry `.env`). */
  readonly env: Record<string, string>;
  /** Other entries of the project directory by relative path; they may replace a config file. */
  readonly extras: Record<string, Entry> = {};

  /**
   * `canary`: the secret this case hides in `.env`; it must never be printed or written. It is
   * also the pseudonymisation key (36 characters), so `run` gets past the key check and the key
   * is watched too.
   */
  constructor(readonly canary: string) {
    this.env = {
      [CANARY_VAR]: canary,
      [HOOK_VAR]: `http://127.0.0.1:1/services/${canary}`,
      [KEY_VAR]: canary,
    };
  }

  /** config/database.yml, decorated, ready to mutate. */
  get db(): Document {
    if (!this.#db) {
      this.#db = shippedDoc['database.yml'].clone();
      for (const d of this.decorations) DECORATIONS[d](this.#db);
    }
    return this.#db;
  }

  get queries(): Document {
    this.#queries ??= shippedDoc['queries.yml'].clone();
    return this.#queries;
  }

  decorate(name: Decoration): void {
    if (this.decorations.includes(name)) return;
    this.decorations.push(name);
    if (this.#db) DECORATIONS[name](this.#db);
  }

  /** The text of a config file as the case writes it (before raw rewrites). */
  text(file: ConfigFile): string {
    const doc = file === 'database.yml' ? this.#db : this.#queries;
    if (doc) return doc.toString({ lineWidth: 0 });
    if (file === 'queries.yml' || this.decorations.length === 0) return shippedText[file];
    const key = [...this.decorations].sort().join('+');
    let text = decoratedText.get(key);
    if (text === undefined) {
      const d = shippedDoc['database.yml'].clone();
      for (const name of this.decorations) DECORATIONS[name](d);
      text = d.toString({ lineWidth: 0 });
      decoratedText.set(key, text);
    }
    return text;
  }
}

export const addClinicalConnection = (ws: Workspace) => ws.decorate('clinical');
export const addAlertChannels = (ws: Workspace) => ws.decorate('alerts');
export const addRangeSchedule = (ws: Workspace) => ws.decorate('range-schedule');
