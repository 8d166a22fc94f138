import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { redactSecrets, Secret } from '../../../src/config/secret.js';
import { ConfigError, formatProblem } from '../../../src/errors.js';
import { configFixture, type ConfigFixture } from '../../helpers/config-fixture.js';

const CANARY = 'canary-Pw-7f3a9';

let fx: ConfigFixture;
beforeEach(() => {
  fx = configFixture();
});
afterEach(() => fx.cleanup());

describe('secrets', () => {
  it('a Secret never prints its value', () => {
    const s = new Secret(CANARY);
    const printed = [
      String(s),
      `${String(s)}`,
      JSON.stringify({ s }),
      inspect({ s }),
      inspect(s, { depth: 5 }),
    ];
    for (const p of printed) expect(p).not.toContain(CANARY);
    expect(s.reveal()).toBe(CANARY);
    expect(redactSecrets(`postgres://u:${CANARY}@h/db and ${encodeURIComponent(CANARY)}`)).toBe(
      'postgres://u:***@h/db and ***',
    );
  });

  it('config errors never echo a password, even when it is the wrong type', () => {
    fx.write(
      'database.yml',
      `connections:
  clinical:
    client: postgres
    host: h
    database: d
    user: u
    password: [${CANARY}]
sources: {}
`,
    );
    let err: unknown;
    try {
      loadConfig({ root: fx.root, env: {} });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const text = (err as ConfigError).problems.map(formatProblem).join('\n');
    expect(text).toContain('connections.clinical.password');
    expect(text).toMatch(/password: expected text, found \(a value, not shown\)$/);
    expect(inspect(err)).not.toContain(`[${CANARY}]`);
  });

  it('a loaded config prints no password through JSON or inspect', () => {
    fx.write(
      'database.yml',
      `connections:
  clinical: { client: postgres, host: h, database: d, user: u, password: '\${PW}' }
sources: {}
`,
    );
    const loaded = loadConfig({ root: fx.root, env: { PW: CANARY } });
    expect(JSON.stringify(loaded)).not.toContain(CANARY);
    expect(inspect(loaded, { depth: 10 })).not.toContain(CANARY);
  });
});
