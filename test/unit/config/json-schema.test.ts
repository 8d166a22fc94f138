import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { databaseJsonSchema } from '../../../src/config/json-schema.js';
import { REPO_ROOT } from '../../helpers/config-fixture.js';

describe('config/database.schema.json', () => {
  it('is current with the zod schema (regenerate: npm run build && npm run schema:generate)', () => {
    const committed = readFileSync(path.join(REPO_ROOT, 'config/database.schema.json'), 'utf8');
    expect(committed).toBe(databaseJsonSchema());
  });

  it('describes the sections and rejects unknown keys, for editors', () => {
    const schema = JSON.parse(databaseJsonSchema()) as {
      properties: Record<string, unknown>;
      additionalProperties: boolean;
      required: string[];
    };
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining([
        'connections',
        'sources',
        'extraction',
        'validation',
        'output',
        'schedules',
        'alerts',
      ]),
    );
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(['connections', 'sources']);
  });
});

describe('an independent JSON Schema validator (ajv)', () => {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  const validate = ajv.compile(JSON.parse(databaseJsonSchema()) as object);
  const repoConfig = parse(readFileSync(path.join(REPO_ROOT, 'config/database.yml'), 'utf8')) as Record<
    string,
    unknown
  >;

  it('accepts the repository config, including ${VAR} in typed fields', () => {
    const withPg = {
      ...repoConfig,
      connections: {
        clinical: {
          client: 'postgres',
          host: 'h',
          port: '${PG_PORT:-5432}',
          database: 'd',
          user: 'u',
          password: '${PW}',
        },
      },
    };
    expect(validate(repoConfig), JSON.stringify(validate.errors)).toBe(true);
    expect(validate(withPg), JSON.stringify(validate.errors)).toBe(true);
  });

  it('rejects a misspelt key and a wrong type', () => {
    expect(validate({ ...repoConfig, extraction: { batchsize: 10 } })).toBe(false);
    expect(validate({ ...repoConfig, output: { formats: ['docx'] } })).toBe(false);
  });
});
