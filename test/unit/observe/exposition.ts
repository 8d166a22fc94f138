/**
 * A small parser of the Prometheus text format (0.0.4), strict where node_exporter's textfile
 * collector is: every line a HELP, a TYPE or a sample; TYPE before its samples, once; a family's
 * samples together; no series twice; label values unescaped (\\, \", \n).
 */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function parseExposition(text: string): {
  samples: Sample[];
  types: Map<string, string>;
  help: Map<string, string>;
} {
  if (text !== '' && !text.endsWith('\n')) throw new Error('the text must end with a line feed');
  const types = new Map<string, string>();
  const help = new Map<string, string>();
  const samples: Sample[] = [];
  const seen = new Set<string>();
  const closed = new Set<string>();
  let current: string | undefined;
  for (const line of text.split('\n').slice(0, -1)) {
    const meta = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
    if (meta) {
      const [, kind, name, rest] = meta;
      if (!NAME.test(name!)) throw new Error(`bad metric name in: ${line}`);
      const map = kind === 'HELP' ? help : types;
      if (map.has(name!)) throw new Error(`second ${kind} for ${name}`);
      if (kind === 'TYPE' && !['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(rest!))
        throw new Error(`bad type in: ${line}`);
      map.set(name!, rest!);
      continue;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not a sample: ${JSON.stringify(line)}`);
    const [, name, body, raw] = m;
    if (!types.has(name!)) throw new Error(`sample before TYPE: ${line}`);
    if (current !== name) {
      if (closed.has(name!)) throw new Error(`samples of ${name} are not together`);
      if (current) closed.add(current);
      current = name;
    }
    const labels = parseLabels(body ?? '');
    const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (seen.has(key)) throw new Error(`duplicate series: ${line}`);
    seen.add(key);
    const value = raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : raw === 'NaN' ? NaN : Number(raw);
    if (Number.isNaN(value) && raw !== 'NaN') throw new Error(`bad value in: ${line}`);
    samples.push({ name: name!, labels, value });
  }
  return { samples, types, help };
}

function parseLabels(body: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let i = 0;
  while (i < body.length) {
    const eq = body.indexOf('="', i);
    if (eq < 0) throw new Error(`bad labels: ${body}`);
    const name = body.slice(i, eq);
    if (!LABEL.test(name) || Object.hasOwn(labels, name)) throw new Error(`bad label name: ${name}`);
    let value = '';
    let j = eq + 2;
    for (; j < body.length && body[j] !== '"'; j++) {
      if (body[j] !== '\\') {
        value += body[j];
        continue;
      }
      const next = body[++j];
      if (next === 'n') value += '\n';
      else if (next === '\\' || next === '"') value += next;
      else throw new Error(`bad escape in: ${body}`);
    }
    if (body[j] !== '"') throw new Error(`unterminated label value: ${body}`);
    labels[name] = value;
    i = j + 1;
    if (i < body.length) {
      if (body[i] !== ',') throw new Error(`expected , in: ${body}`);
      i++;
    }
  }
  return labels;
}

/** The value of one series, or undefined. */
export function valueOf(
  samples: Sample[],
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  return samples.find(
    (s) =>
      s.name === name &&
      JSON.stringify(Object.entries(s.labels).sort()) === JSON.stringify(Object.entries(labels).sort()),
  )?.value;
}
