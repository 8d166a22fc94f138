/**
 * `${VAR}` and `${VAR:-default}` interpolation over parsed YAML values. Interpolating after parsing
 * (not in the raw text) means a password containing `#`, `:` or quotes cannot break the YAML.
 * `$${VAR}` is a literal `${VAR}`.
 */
const PATTERN = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export interface InterpolationProblem {
  path: (string | number)[];
  variable: string;
}

export function interpolateString(
  text: string,
  env: NodeJS.ProcessEnv,
  onMissing: (variable: string) => void,
): string {
  return text.replace(PATTERN, (match, name: string | undefined, fallback: string | undefined) => {
    if (match === '$${') return '${';
    const value = env[name!];
    if (value !== undefined && value !== '') return value;
    if (fallback !== undefined) return fallback;
    onMissing(name!);
    return '';
  });
}

/** Walk a parsed YAML tree and interpolate every string, collecting every missing variable. */
export function interpolateTree(
  value: unknown,
  env: NodeJS.ProcessEnv,
  problems: InterpolationProblem[],
  path: (string | number)[] = [],
): unknown {
  if (typeof value === 'string') {
    return interpolateString(value, env, (variable) => problems.push({ path, variable }));
  }
  if (Array.isArray(value)) {
    return value.map((item, i) => interpolateTree(item, env, problems, [...path, i]));
  }
  if (value !== null && typeof value === 'object') {
    // Own properties only, `__proto__` included (assigning it would set the prototype and lose the
    // key, which then escapes the reserved-name check).
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, interpolateTree(v, env, problems, [...path, k])]),
    );
  }
  return value;
}
