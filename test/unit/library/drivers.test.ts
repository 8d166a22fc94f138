/**
 * Driver lookup: the catalogue agrees with package.json, and a driver that Node cannot resolve (a
 * real lookup from a directory without it) is a DriverMissing with the command that installs it.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { ConnectionClient } from '../../../src/config/schema.js';
import {
  DRIVERS,
  driverInstalled,
  installCommand,
  requireDriver,
  requireDrivers,
} from '../../../src/db/drivers.js';
import { DriverMissing, ExitCode } from '../../../src/errors.js';

interface Manifest {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  peerDependenciesMeta: Record<string, { optional?: boolean }>;
}
const manifest = JSON.parse(readFileSync(path.resolve('package.json'), 'utf8')) as Manifest;

// A directory with no node_modules above it that holds a driver: Node's resolution fails for real.
const empty = mkdtempSync(path.join(tmpdir(), 'moh-nodrivers-'));
const nowhere = pathToFileURL(path.join(empty, 'probe.js'));
afterAll(() => rmSync(empty, { recursive: true, force: true }));

const clients = Object.keys(DRIVERS) as ConnectionClient[];

describe('the driver catalogue', () => {
  it('matches package.json: optional drivers are optional peers (and dev dependencies), the others dependencies', () => {
    for (const client of clients) {
      const { package: name, range, optional } = DRIVERS[client];
      if (optional) {
        expect(manifest.peerDependencies[name], name).toBe(range);
        expect(manifest.peerDependenciesMeta[name]?.optional, name).toBe(true);
        expect(manifest.dependencies[name], name).toBeUndefined();
        // The test suite talks to MariaDB and fakes tedious/oracledb connections with the real modules.
        expect(manifest.devDependencies[name], name).toBe(range);
      } else {
        expect(manifest.dependencies[name], name).toBe(range);
        expect(manifest.peerDependencies[name], name).toBeUndefined();
      }
    }
    expect(clients.filter((c) => DRIVERS[c].optional).sort()).toEqual(['mssql', 'mysql', 'oracle']);
  });

  it('installs the tested major version, written so that no shell expands it', () => {
    expect(installCommand('mssql')).toBe('npm install tedious@19');
    expect(installCommand('oracle')).toBe('npm install oracledb@6');
    expect(installCommand('mysql')).toBe('npm install mysql2@3');
  });
});

describe('finding a driver', () => {
  it('finds every driver beside moh-etl here (the dev install has them all)', () => {
    for (const client of clients) expect(driverInstalled(client), client).toBe(true);
    expect(() => requireDriver('mssql', 'warehouse')).not.toThrow();
  });

  it('reports an absent driver as DriverMissing naming the connection, the package and the install command', () => {
    expect(driverInstalled('mssql', nowhere)).toBe(false);
    let error: unknown;
    try {
      requireDriver('mssql', 'warehouse', nowhere);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DriverMissing);
    const missing = error as DriverMissing;
    expect(missing.message).toBe(
      'connection "warehouse" uses client mssql, whose driver (tedious, for SQL Server) is not installed: npm install tedious@19',
    );
    expect(missing.driver).toBe('tedious');
    expect(missing.exitCode).toBe(ExitCode.UsageError);
    expect(missing.retryable).toBe(false);
    expect(missing.hint).toContain('optional peer dependencies');
  });

  it('without a connection name, names the client; a missing dependency asks for a reinstall', () => {
    expect(() => requireDriver('oracle', undefined, nowhere)).toThrow(
      'client oracle needs its driver (oracledb, for Oracle), which is not installed: npm install oracledb@6',
    );
    try {
      requireDriver('postgres', 'clinical', nowhere);
    } catch (e) {
      expect((e as DriverMissing).hint).toContain('reinstall moh-etl');
    }
    expect.assertions(2);
  });

  it('checks only the connections of the sources a run names, before it starts', () => {
    const config = {
      connections: {
        demo: { client: 'sqlite' as const },
        warehouse: { client: 'mssql' as const },
      },
      sources: { visits: { connection: 'demo' }, claims: { connection: 'warehouse' } },
    } as unknown as Parameters<typeof requireDrivers>[0];
    // better-sqlite3 cannot be found from `nowhere` either: only the checked connections fail.
    expect(() => requireDrivers(config, [], nowhere)).not.toThrow();
    expect(() => requireDrivers(config, ['claims'], nowhere)).toThrow(
      'connection "warehouse" uses client mssql',
    );
    expect(() => requireDrivers(config, ['visits'], nowhere)).toThrow('connection "demo" uses client sqlite');
  });
});
