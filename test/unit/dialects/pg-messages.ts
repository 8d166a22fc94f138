/**
 * PostgreSQL backend messages as bytes, for tests of the DataRow decoder and of encoded batches:
 * what a server sends, built by hand (the format is in the protocol's "Message Formats" chapter).
 */
import { PgEncodedRows } from '../../../src/db/dialects/postgres/encoded-rows.js';
import type { Converter } from '../../../src/db/dialects/postgres/types.js';
import type { PgField } from '../../../src/db/dialects/postgres/batch-query.js';

/** A field's value: text (UTF-8), raw bytes (to send malformed UTF-8), or NULL. */
export type WireValue = string | Uint8Array | null;

function message(code: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head[0] = code.charCodeAt(0);
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

export function dataRowBody(fields: readonly WireValue[]): Buffer {
  const parts: Buffer[] = [];
  const count = Buffer.alloc(2);
  count.writeInt16BE(fields.length);
  parts.push(count);
  for (const f of fields) {
    const len = Buffer.alloc(4);
    if (f === null) {
      len.writeInt32BE(-1);
      parts.push(len);
      continue;
    }
    const bytes = typeof f === 'string' ? Buffer.from(f, 'utf8') : Buffer.from(f);
    len.writeInt32BE(bytes.length);
    parts.push(len, bytes);
  }
  return Buffer.concat(parts);
}

export const dataRow = (fields: readonly WireValue[]): Buffer => message('D', dataRowBody(fields));

export function rowDescription(fields: readonly PgField[]): Buffer {
  const parts: Buffer[] = [];
  const count = Buffer.alloc(2);
  count.writeInt16BE(fields.length);
  parts.push(count);
  for (const f of fields) {
    const rest = Buffer.alloc(18);
    rest.writeInt32BE(0, 0); // table OID
    rest.writeInt16BE(0, 4); // column number
    rest.writeInt32BE(f.dataTypeID, 6);
    rest.writeInt16BE(-1, 10); // type size
    rest.writeInt32BE(f.dataTypeModifier, 12);
    rest.writeInt16BE(0, 16); // text format
    parts.push(Buffer.from(`${f.name}\0`, 'utf8'), rest);
  }
  return message('T', Buffer.concat(parts));
}

export const commandComplete = (rows: number): Buffer => message('C', Buffer.from(`SELECT ${rows}\0`));

/** What pg-protocol makes of a field: UTF-8 decoded on its own (bad sequences become U+FFFD). */
export function referenceText(v: WireValue): string | null {
  if (v === null) return null;
  return typeof v === 'string' ? v : Buffer.from(v).toString('utf8');
}

/** Rows as an encoded batch, collected from one buffer of back-to-back DataRow messages. */
export function encodedRows(
  rows: readonly (readonly WireValue[])[],
  converters: readonly (Converter | undefined)[],
): PgEncodedRows {
  const wire = Buffer.concat(rows.map((r) => dataRow(r)));
  const encoded = new PgEncodedRows(converters);
  let p = 0;
  while (p < wire.length) {
    const length = wire.readInt32BE(p + 1);
    encoded.collect(wire, p + 5, p + 1 + length);
    p += 1 + length;
  }
  encoded.flush();
  return encoded;
}
