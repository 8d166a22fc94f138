import * as z from 'zod';
import { databaseConfigSchema } from './schema.js';

/**
 * JSON Schema for database.yml, generated from the zod schema (the input side: what a person
 * writes, before defaults and transforms) so editors can autocomplete and flag mistakes.
 */
export function databaseJsonSchema(): string {
  const schema = z.toJSONSchema(databaseConfigSchema, { io: 'input', unrepresentable: 'any' });
  return JSON.stringify(schema, null, 2) + '\n';
}
