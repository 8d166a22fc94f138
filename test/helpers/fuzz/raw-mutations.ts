/**
 * Mutations of the YAML text itself: syntax the parser must refuse (tabs, duplicate keys, bad
 * aliases, an alias bomb, nesting deep enough to exhaust a recursive parser, several documents)
 * and text that may be fine or not (truncation, indentation, BOM, NUL, CRLF, tags, odd encodings).
 */
import { Rng } from '../../../src/synth/prng.js';
import type { Expectation, Mutator } from './mutation.js';
import type { ConfigFile } from './workspace.js';

type Rewrite = (text: string, rng: Rng) => string | Buffer;

interface RawMutation {
  what: string;
  expect: Expectation;
  /** Only for this file (default: either). */
  file?: ConfigFile;
  rewrite: Rewrite;
}

/** Lines that are `key:` or `key: value` in block style (not comments, not block-scalar text). */
function keyLines(text: string): number[] {
  const lines = text.split('\n');
  const out: number[] = [];
  let blockIndent = -1; // inside a `|` block scalar until a line is indented at most this much
  lines.forEach((line, i) => {
    const indent = line.length - line.trimStart().length;
    if (blockIndent >= 0 && (line.trim() === '' || indent > blockIndent)) return;
    blockIndent = -1;
    if (/^\s*[A-Za-z_$][\w$]*:(\s|$)/.test(line)) out.push(i);
    if (/:\s*[|>][-+]?\s*$/.test(line)) blockIndent = indent;
  });
  return out;
}

function onKeyLine(text: string, rng: Rng, edit: (line: string) => string, indented = false): string {
  const lines = text.split('\n');
  const candidates = keyLines(text).filter((i) => !indented || /^\s/.test(lines[i]!));
  if (candidates.length === 0) return text;
  const i = rng.pick(candidates);
  lines[i] = edit(lines[i]!);
  return lines.join('\n');
}

const insertAt = (text: string, at: number, what: string) => text.slice(0, at) + what + text.slice(at);

/** Nested aliases that expand to 10^9 nodes ("billion laughs"). */
const ALIAS_BOMB = [
  'fuzz_a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  ...Array.from({ length: 8 }, (_, k) => {
    const prev = String.fromCharCode(97 + k);
    const name = String.fromCharCode(98 + k);
    return `fuzz_${name}: &${name} [${Array(10).fill(`*${prev}`).join(',')}]`;
  }),
].join('\n');

export const RAW_MUTATIONS: readonly RawMutation[] = [
  // Refused whatever the rest says.
  {
    what: 'tab as indentation',
    expect: 'reject',
    rewrite: (t, r) => onKeyLine(t, r, (l) => `\t${l.trimStart()}`, true),
  },
  {
    what: 'duplicate key',
    expect: 'reject',
    rewrite: (t, r) => onKeyLine(t, r, (l) => `${l.split(':')[0]}: 1\n${l}`),
  },
  {
    what: 'undefined alias',
    expect: 'reject',
    rewrite: (t, r) => onKeyLine(t, r, (l) => `${l.split(':')[0]}: *nosuch`),
  },
  { what: 'alias bomb', expect: 'reject', rewrite: (t) => `${ALIAS_BOMB}\n${t}` },
  {
    what: 'alias bomb in a value',
    expect: 'reject',
    file: 'database.yml',
    rewrite: (t) => `${ALIAS_BOMB}\n${t.replace(/description: .*/, 'description: *i')}`,
  },
  { what: 'two documents', expect: 'reject', rewrite: (t) => `${t}\n---\nextra: 1\n` },
  { what: 'top level is a list', expect: 'reject', rewrite: (t) => `- ${t.split('\n').join('\n  ')}` },
  { what: 'top level is text', expect: 'reject', rewrite: () => 'hello world\n' },
  { what: 'empty file', expect: 'reject', rewrite: () => '' },
  { what: 'only comments', expect: 'reject', rewrite: () => '# nothing here\n' },
  { what: 'only ---', expect: 'reject', rewrite: () => '---\n' },
  {
    what: 'key over 1024 characters',
    expect: 'reject',
    rewrite: (t, r) => `${'k'.repeat(r.int(1025, 5000))}: 1\n${t}`,
  },
  {
    what: 'deeply nested sequence',
    expect: 'reject',
    file: 'database.yml',
    rewrite: (t, r) =>
      t.replace(/description: .*/, `description:\n      ${'- '.repeat(r.int(200, 12_000))}x`),
  },
  {
    what: 'deeply nested flow',
    expect: 'reject',
    file: 'database.yml',
    rewrite: (t, r) => {
      const d = r.int(200, 20_000);
      return t.replace(/description: .*/, `description: ${'['.repeat(d)}${']'.repeat(d)}`);
    },
  },
  {
    what: 'unclosed flow',
    expect: 'any',
    rewrite: (t, r) => onKeyLine(t, r, (l) => `${l.split(':')[0]}: [a, b`),
  },
  {
    what: 'unclosed quote',
    expect: 'any',
    rewrite: (t, r) => onKeyLine(t, r, (l) => `${l.split(':')[0]}: "abc`),
  },
  {
    what: 'Cyrillic look-alike top-level key',
    expect: 'reject',
    file: 'database.yml',
    rewrite: (t) => t.replace(/^sources:/m, 's\u043eurces:'),
  },
  {
    what: 'zero-width space in a key',
    expect: 'reject',
    file: 'database.yml',
    rewrite: (t) => t.replace(/^connections:/m, 'connections\u200b:'),
  },
  {
    what: 'merge key <<',
    expect: 'reject',
    file: 'database.yml',
    rewrite: (t) => t.replace(/^extraction:\n/m, 'extraction:\n  <<: {batch_size: 10}\n'),
  },
  {
    what: 'huge integer',
    expect: 'reject',
    file: 'database.yml',
    rewrite: (t) => t.replace(/batch_size: .*/, 'batch_size: 99999999999999999999'),
  },
  {
    what: 'float overflow',
    expect: 'reject',
    file: 'database.yml',
    rewrite: (t) => t.replace(/batch_size: .*/, 'batch_size: 1e400'),
  },
  {
    what: '.nan',
    expect: 'reject',
    file: 'database.yml',
    rewrite: (t) => t.replace(/batch_size: .*/, 'batch_size: .nan'),
  },
  // May or may not be fine: the outcome is free, the manner (one clean message) is not.
  { what: 'truncated', expect: 'any', rewrite: (t, r) => t.slice(0, r.int(0, t.length)) },
  {
    what: 'indentation off by one',
    expect: 'any',
    rewrite: (t, r) => onKeyLine(t, r, (l) => (r.chance(0.5) ? ` ${l}` : l.slice(1)), true),
  },
  { what: 'BOM', expect: 'any', rewrite: (t) => `\uFEFF${t}` },
  { what: 'CRLF line ends', expect: 'any', rewrite: (t) => t.replace(/\n/g, '\r\n') },
  { what: 'NUL byte', expect: 'any', rewrite: (t, r) => insertAt(t, r.int(0, t.length), '\u0000') },
  {
    what: 'control characters',
    expect: 'any',
    rewrite: (t, r) => insertAt(t, r.int(0, t.length), '\u0007\u001b[2J\u0008'),
  },
  {
    what: 'invalid UTF-8',
    expect: 'any',
    rewrite: (t, r) =>
      Buffer.concat([
        Buffer.from(t.slice(0, r.int(0, t.length))),
        Buffer.from([0xff, 0xfe, 0xc3]),
        Buffer.from('\n'),
      ]),
  },
  {
    what: 'UTF-16',
    expect: 'any',
    rewrite: (t) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(t, 'utf16le')]),
  },
  {
    what: 'long value',
    expect: 'any',
    file: 'database.yml',
    rewrite: (t, r) => t.replace(/description: .*/, `description: ${'y'.repeat(r.int(10_000, 200_000))}`),
  },
  {
    what: 'unicode value',
    expect: 'any',
    file: 'database.yml',
    rewrite: (t) => t.replace(/description: .*/, 'description: "\u202eRTL ☃ 𝕏 e\u0301 \u0000"'),
  },
  {
    what: 'binary tag',
    expect: 'any',
    file: 'database.yml',
    rewrite: (t) => t.replace(/description: .*/, 'description: !!binary aGVsbG8='),
  },
  {
    what: 'timestamp tag',
    expect: 'any',
    file: 'database.yml',
    rewrite: (t) => t.replace(/description: .*/, 'description: !!timestamp 2025-01-01'),
  },
  {
    what: 'unknown tag',
    expect: 'any',
    rewrite: (t, r) => onKeyLine(t, r, (l) => l.replace(/:\s+(\S.*)$/, ': !js/function $1')),
  },
  {
    what: 'anchor and alias',
    expect: 'any',
    file: 'database.yml',
    rewrite: (t) =>
      t.replace(/^( +)retry:\n/m, '$1retry: &r\n').replace(/^alerts:\n/m, 'alerts:\n  retry: *r\n'),
  },
];

/** Rewrite one config file's text with one raw mutation. */
export const rawMutation: Mutator = (ws, rng) => {
  const m = rng.pick(RAW_MUTATIONS);
  const file: ConfigFile = m.file ?? (rng.chance(0.75) ? 'database.yml' : 'queries.yml');
  // Its own stream: the rewrite runs when the project is written, after other draws.
  const own = new Rng(Math.floor(rng.next() * 2 ** 32));
  ws.raw[file] = (text) => m.rewrite(text, own);
  return { label: `raw ${file}: ${m.what}`, expect: m.expect };
};
