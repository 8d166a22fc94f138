/** Shared by the transform tests: parse a transform section as the config loader would, compile, run. */
import { transformSchema, type TransformConfig } from '../../../src/config/transform-schema.js';
import { t, type ColumnSpec, type Row, type RowBatch } from '../../../src/schema/column-types.js';
import { compileTransform, type CompiledTransform } from '../../../src/transform/compile.js';

export const KEY = 'test-key-0123456789abcdef0123456789abcdef';
export const ENV = { MOH_PSEUDONYM_KEY: KEY };

const col = (name: string, type = t.string(), nullable = true): ColumnSpec => ({ name, type, nullable });
export { col };

export const PATIENTS: ColumnSpec[] = [
  col('patient_id', t.int64(), false),
  col('nric'),
  col('date_of_birth', t.date()),
  col('sex'),
  col('ethnicity'),
  col('postal_code'),
];

/** The parsed `transform:` section (defaults filled), from the YAML-shaped object. */
export function transform(section: unknown): TransformConfig {
  return transformSchema.parse(section);
}

/** Compile the transform of `source` (default "s") with one source's section. */
export function compile(
  columns: readonly ColumnSpec[],
  source: unknown,
  options: { profile?: string; pii_columns?: string[]; env?: Record<string, string>; timeZone?: string } = {},
): CompiledTransform {
  const config = transform({ profile: options.profile ?? 'internal', sources: { s: source } });
  return compileTransform({
    source: 's',
    config,
    columns,
    piiColumns: options.pii_columns ?? [],
    env: options.env ?? ENV,
    ...(options.timeZone === undefined ? {} : { timeZone: options.timeZone }),
  });
}

export const batch = (columns: readonly ColumnSpec[], rows: Row[]): RowBatch => ({
  columns: [...columns],
  rows,
});

/** Rows out of one batch. */
export function run(compiled: CompiledTransform, columns: readonly ColumnSpec[], rows: Row[]): Row[] {
  return compiled.apply(batch(columns, rows)).rows;
}

/** The one column of a single-column source, after the transform. */
export function cells(
  compiled: CompiledTransform,
  columns: readonly ColumnSpec[],
  values: Row[number][],
): Row[number][] {
  return run(
    compiled,
    columns,
    values.map((v) => [v]),
  ).map((r) => r[0]!);
}

/** The error a function throws (fails the test if it does not throw). */
export function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}
