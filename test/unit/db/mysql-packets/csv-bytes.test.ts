/**
 * CSV straight from MySQL row bytes (re-packed into the 'pg-text' layout) must be byte for byte the
 * CSV of the same rows decoded as they arrive: every kind, quoting, NULL texts, delimiters, and the
 * UTF-8 text the byte path copies without decoding (valid sequences of every length, invalid ones,
 * and every character JavaScript's \s calls whitespace at either edge).
 */
import { describe, expect, it } from 'vitest';
import { MysqlEncodedRows } from '../../../../src/db/dialects/mysql/encoded-rows.js';
import { decodeRow } from '../../../../src/db/dialects/mysql/text-row.js';
import { T } from '../../../../src/db/dialects/mysql/types.js';
import { Rng } from '../../../../src/synth/prng.js';
import { CsvBatchEncoder } from '../../../../src/write/csv-batch.js';
import { field, inOneBuffer, KINDS, planned, rowPayload, type WireField } from './packets.js';

const DELIMITERS = [',', ';', '\t', '|', ' ', 'a', '\u00a7', '::'];
const NULL_TEXTS = ['', 'NULL', '\\N', 'ÑULL'];

/** Every code point JavaScript's \s matches (the CSV quoting rule's edge whitespace). */
const SPACES = Array.from({ length: 0x10000 }, (_, cp) => cp)
  .filter((cp) => (cp < 0xd800 || cp > 0xdfff) && /\s/.test(String.fromCodePoint(cp)))
  .map((cp) => String.fromCodePoint(cp));

const INVALID_UTF8 = [
  [0xc0, 0x80], // overlong NUL
  [0xe0, 0x80, 0x80], // overlong
  [0xed, 0xa0, 0x80], // a surrogate
  [0xf4, 0x90, 0x80, 0x80], // beyond U+10FFFF
  [0xf8, 0x88, 0x80, 0x80, 0x80],
  [0xe4, 0xb8], // truncated
  [0x80],
  [0xc3, 0x28],
].map((b) => Buffer.from(b));

function texts(rng: Rng): WireField[] {
  const pick = <T>(xs: readonly T[]): T => xs[rng.int(0, xs.length - 1)]!;
  const pieces = ['a', 'Z', '0', ' ', ',', ';', '"', '\n', '\r', '|', 'é', '陈', '😀', 'ÑULL', '\u00a7', ':'];
  const out: WireField[] = [];
  for (let i = 0; i < 300; i++) {
    let s = '';
    const n = rng.int(0, 6);
    for (let k = 0; k < n; k++) s += pick(pieces);
    out.push(s);
  }
  for (const sp of SPACES) out.push(`${sp}陈`, `陈${sp}`, `a${sp}b`, `${sp}`);
  for (const bad of INVALID_UTF8)
    out.push(bad, Buffer.concat([Buffer.from('陈'), bad]), Buffer.concat([bad, Buffer.from('x')]));
  out.push('NULL', 'ÑULL', '\\N', '', null);
  return out;
}

function csvBothWays(
  fields: ReturnType<typeof field>[],
  rows: WireField[][],
  delimiter: string,
  nullText: string,
) {
  const { columns, plans, plan } = planned(fields);
  const payloads = rows.map((r) => rowPayload(r));
  const { bytes, spans } = inOneBuffer(payloads);
  const encoded = new MysqlEncodedRows(
    plan,
    plans.map((p) => p.convert),
  );
  for (const [s, e] of spans) encoded.add(bytes, s, e);
  const decoded = spans.map(([s, e]) => decodeRow(bytes, s, e, plan));
  const fromBytes = Buffer.from(
    new CsvBatchEncoder(delimiter, nullText, columns).encodeEncoded(encoded, 'h\n'),
  );
  const fromRows = Buffer.from(new CsvBatchEncoder(delimiter, nullText, columns).encode(decoded, 'h\n'));
  return { fromBytes, fromRows };
}

describe('CSV from MySQL bytes', () => {
  it('equals the CSV of the decoded rows for every kind, delimiter and null text', () => {
    const rng = new Rng(7);
    const fields = KINDS.map((k) => k.field);
    const rows = Array.from({ length: 300 }, () =>
      KINDS.map(({ values }) => (rng.next() < 0.1 ? null : values[rng.int(0, values.length - 1)]!)),
    );
    for (const d of DELIMITERS)
      for (const n of NULL_TEXTS) {
        const { fromBytes, fromRows } = csvBothWays(fields, rows, d, n);
        expect(fromBytes.equals(fromRows), `delimiter ${JSON.stringify(d)}, null ${JSON.stringify(n)}`).toBe(
          true,
        );
      }
  });

  it('equals it for text: UTF-8 of every length, invalid bytes, whitespace at the edges', () => {
    const values = texts(new Rng(3));
    const fields = [field('a', T.VAR_STRING), field('b', T.BLOB)];
    const rows = values.map((v, i) => [v, values[(i * 7) % values.length]!]);
    for (const d of DELIMITERS)
      for (const n of NULL_TEXTS) {
        const { fromBytes, fromRows } = csvBothWays(fields, rows, d, n);
        expect(fromBytes.toString('utf8')).toBe(fromRows.toString('utf8'));
        expect(fromBytes.equals(fromRows)).toBe(true);
      }
  });

  it('copies CJK text without quoting it, and quotes it when an edge is whitespace', () => {
    const fields = [field('a', T.VAR_STRING)];
    const { fromBytes } = csvBothWays(
      fields,
      [['两周后复诊'], ['\u3000两周'], ['两周\u00a0'], ['两,周']],
      ',',
      '',
    );
    expect(fromBytes.toString('utf8')).toBe('h\n两周后复诊\n"\u3000两周"\n"两周\u00a0"\n"两,周"\n');
  });

  it('writes ZEROFILL integers without their zeros, as the decoded numbers are written', () => {
    const iz = KINDS.find((k) => k.field.name === 'iz')!.field;
    const { fromBytes } = csvBothWays([iz], [['00042'], ['00000']], ',', '');
    expect(fromBytes.toString()).toBe('h\n42\n0\n');
  });
});
