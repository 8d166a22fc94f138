import * as z from 'zod';
import { databaseConfigSchema } from './schema.js';

/**
 * JSON Schema for database.yml, generated from the zod schema (the input side: what a person
 * writes, before defaults and transforms) so editors can autocomplete and flag mistakes.
 */
export function databaseJsonSchema(): string {
  const schema = z.toJSONSchema(databaseConfigSchema, { io: 'input', unrepresentable: 'any' });
  return JSON.stringify(allowInterpolation(schema), null, 2) + '\n';
}

const INTERPOLATED = { type: 'string', pattern: '\\$\\{[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\\}' };

/**
 * `port: ${PG_PORT:-5432}` is text until it is interpolated; let a number or boolean field also
 * hold a `${VAR}` so editors do not flag correct files.
 */
function allowInterpolation(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(allowInterpolation);
  if (node === null || typeof node !== 'object') return node;
  const obj = Object.fromEntries(Object.entries(node).map(([k, v]) => [k, allowInterpolation(v)]));
  if (obj.type === 'integer' || obj.type === 'number' || obj.type === 'boolean') {
    const { description, default: def, ...rest } = obj as Record<string, unknown>;
    return {
      ...(description ? { description } : {}),
      ...(def !== undefined ? { default: def } : {}),
      anyOf: [rest, INTERPOLATED],
    };
  }
  return obj;
}
