/**
 * MySQL text-protocol row payloads and column definitions for the packet-path tests: what a server
 * sends, built byte by byte from the protocol's rules (independently of the code under test).
 */
import { planColumn, type ColumnPlan } from '../../../../src/db/dialects/mysql/column-plan.js';
import { RowPlan } from '../../../../src/db/dialects/mysql/text-row.js';
import { mysqlColumnType, T, type MysqlField } from '../../../../src/db/dialects/mysql/types.js';
import type { ColumnSpec } from '../../../../src/schema/column-types.js';

/** A field value as the server sends it: text (UTF-8), raw bytes, or NULL. */
export type WireField = string | Buffer | null;

/** How a length is coded: the shortest form (as servers do), or forced wider (legal, and must parse). */
export type LengthCode = 'shortest' | 'fc' | 'fd' | 'fe';

function lengthBytes(n: number, code: LengthCode): Buffer {
  if (code === 'shortest') {
    if (n < 251) return Buffer.from([n]);
    if (n < 0x10000) return lengthBytes(n, 'fc');
    if (n < 0x1000000) return lengthBytes(n, 'fd');
    return lengthBytes(n, 'fe');
  }
  if (code === 'fc') return Buffer.from([0xfc, n & 0xff, n >> 8]);
  if (code === 'fd') return Buffer.from([0xfd, n & 0xff, (n >> 8) & 0xff, n >> 16]);
  const b = Buffer.alloc(9);
  b[0] = 0xfe;
  b.writeUInt32LE(n, 1);
  return b;
}

/** One row's payload: a length-coded string per field, 0xFB for NULL. */
export function rowPayload(fields: readonly WireField[], code: LengthCode = 'shortest'): Buffer {
  const parts: Buffer[] = [];
  for (const f of fields) {
    if (f === null) {
      parts.push(Buffer.from([0xfb]));
      continue;
    }
    const bytes = typeof f === 'string' ? Buffer.from(f, 'utf8') : f;
    parts.push(lengthBytes(bytes.length, code), bytes);
  }
  return Buffer.concat(parts);
}

/** Several payloads back to back in one buffer (as packets lie in a socket read), with their spans. */
export function inOneBuffer(payloads: readonly Buffer[]): { bytes: Buffer; spans: [number, number][] } {
  const spans: [number, number][] = [];
  let at = 7; // something before the first one, like a packet header
  for (const p of payloads) {
    spans.push([at + 4, at + 4 + p.length]);
    at += 4 + p.length;
  }
  const bytes = Buffer.alloc(at + 3, 0xee);
  payloads.forEach((p, i) => p.copy(bytes, spans[i]![0]));
  return { bytes, spans };
}

const UNSIGNED = 32;
const ZEROFILL = 64;
const BINARY = 63;
const UTF8MB4 = 224;

/** A column definition as mysql2 parses it. */
export function field(name: string, columnType: number, extra: Partial<MysqlField> = {}): MysqlField {
  const binaryByDefault = columnType !== T.VAR_STRING && columnType !== T.STRING && columnType < 245;
  return {
    name,
    columnType,
    columnLength: 20,
    decimals: 0,
    flags: 0,
    characterSet: binaryByDefault ? BINARY : UTF8MB4,
    encoding: binaryByDefault ? 'binary' : 'utf8',
    ...extra,
  };
}

/** One column of every kind the packet path reads, with the texts a server sends for it. */
export const KINDS: { field: MysqlField; values: WireField[] }[] = [
  { field: field('i', T.LONG, { columnLength: 11 }), values: ['0', '-2147483648', '2147483647', '42'] },
  { field: field('ti', T.TINY, { columnLength: 4 }), values: ['-128', '127'] },
  {
    field: field('yr', T.YEAR, { columnLength: 4, flags: UNSIGNED | ZEROFILL }),
    values: ['0000', '2024', '1901'],
  },
  {
    field: field('iz', T.SHORT, { columnLength: 5, flags: UNSIGNED | ZEROFILL }),
    values: ['00042', '00000', '65535'],
  },
  { field: field('ok', T.TINY, { columnLength: 1 }), values: ['0', '1', '-1', '127'] },
  { field: field('big', T.LONGLONG), values: ['9223372036854775807', '-9223372036854775808', '0'] },
  {
    field: field('ubig', T.LONGLONG, { flags: UNSIGNED | ZEROFILL }),
    values: ['18446744073709551615', '00000000000000000042', '00000000000000000000'],
  },
  { field: field('uint', T.LONG, { flags: UNSIGNED }), values: ['4294967295', '0'] },
  {
    field: field('amount', T.NEWDECIMAL, { columnLength: 40, decimals: 6 }),
    values: ['12345678901234567890.123456', '-0.000001', '0.000000'],
  },
  {
    field: field('dz', T.NEWDECIMAL, { columnLength: 11, decimals: 2, flags: UNSIGNED | ZEROFILL }),
    values: ['00000012.50', '00000000.00', '99999999.99'],
  },
  {
    field: field('f', T.DOUBLE, { columnLength: 22, decimals: 31 }),
    values: ['9.279693416550499', '-5e-301', '1e308', '0.1', '-0', '123'],
  },
  { field: field('fl', T.FLOAT, { columnLength: 12, decimals: 31 }), values: ['1.1', '3.40282e38'] },
  { field: field('d', T.DATE, { columnLength: 10 }), values: ['2024-02-29', '0000-00-00', '9999-12-31'] },
  {
    field: field('dt', T.DATETIME, { columnLength: 26, decimals: 6 }),
    values: ['2024-01-02 03:04:05.123456', '0000-00-00 00:00:00.000000', '9999-12-31 23:59:59.999999'],
  },
  {
    field: field('dt0', T.DATETIME, { columnLength: 19, decimals: 0 }),
    values: ['2024-01-02 03:04:05', '1000-01-01 00:00:00'],
  },
  {
    field: field('ts', T.TIMESTAMP, { columnLength: 23, decimals: 3 }),
    values: ['2038-01-19 03:14:07.999', '1970-01-01 00:00:01.000'],
  },
  { field: field('tm', T.TIME, { columnLength: 13, decimals: 2 }), values: ['-838:59:59.00', '12:00:00.50'] },
  { field: field('bit1', T.BIT, { columnLength: 1 }), values: [Buffer.from([0]), Buffer.from([1])] },
  {
    field: field('bits', T.BIT, { columnLength: 12 }),
    values: [Buffer.from([0x0a, 0xaa]), Buffer.from([0, 0])],
  },
  {
    field: field('blob', T.BLOB, { characterSet: BINARY, encoding: 'binary' }),
    values: [Buffer.from([0, 0xff, 0x10, 0x80]), Buffer.alloc(0), Buffer.from('not text \u00e9')],
  },
  {
    field: field('doc', T.JSON, { characterSet: BINARY, encoding: 'binary' }),
    values: ['{"a": 12345678901234567890}', '[]'],
  },
  {
    field: field('txt', T.VAR_STRING),
    values: [
      '',
      'plain',
      '陈美玲 😀',
      'comma, "quote"\nnewline',
      '  padded  ',
      '\u3000ideographic space',
      Buffer.from([0x61, 0xff, 0xc3]), // not UTF-8: decoded with U+FFFD
      'x'.repeat(300),
    ],
  },
  { field: field('tag', T.STRING, { columnLength: 4 }), values: ['ab', 'NULL'] },
  { field: field('e', T.ENUM), values: ['red'] },
];

/** Columns, plans and the RowPlan for `fields`, as batch-query.ts builds them. */
export function planned(fields: readonly MysqlField[]): {
  columns: ColumnSpec[];
  plans: ColumnPlan[];
  plan: RowPlan;
} {
  const columns = fields.map((f) => ({ name: f.name, type: mysqlColumnType(f), nullable: true }));
  const plans = columns.map((c, i) => {
    const p = planColumn(fields[i]!, c.type);
    if (!p) throw new Error(`no plan for ${c.name}`);
    return p;
  });
  return { columns, plans, plan: new RowPlan(plans) };
}
