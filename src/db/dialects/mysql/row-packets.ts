/**
 * The one seam into mysql2's internals: a statement whose result rows reach us as the server's
 * text-protocol row packets instead of mysql2's row objects.
 *
 * mysql2 reads each row packet with a generated parser that builds one array and one value per
 * field (a string decoded by its own native call, or a number), and we then built a second array of
 * canonical values: two arrays and a string per field per row, most of it garbage by the next batch
 * (profiled on 2M attendances to CSV: GC 18 %, string decoding and length-coded reads 7 %). Here
 * the statement sees the packet's bytes and decides itself what to keep: the bytes (for the CSV
 * writer) or values decoded straight into one canonical row (text-row.ts).
 *
 * How: `connection.query()` returns mysql2's `Query` command, a state machine whose current state
 * is a method that receives each packet and returns the next state. After the column definitions
 * and their EOF packet, `Query.prototype.fieldsEOF` returns `this.row`, and that state receives every
 * row packet. We give the command instance (never the shared prototype: other mysql2 users in the
 * process are untouched) its own `row`, which hands a data packet's payload to our sink and
 * returns itself, and passes the end-of-rows packet (and anything after a failure) to mysql2's own
 * `row`. Errors, the result callback, timeouts, the sequence of commands on the connection: all
 * mysql2's.
 *
 * Verified, not assumed: the installed mysql2's version is read, and the hook is used only when
 * the command has the states named above and `fieldsEOF` still dispatches to `this.row`. Otherwise
 * `rowHook()` says why and statements run stock: mysql2's row objects, converted by the same
 * canonical rules (exact, only slower). test/unit/db/mysql-packets/row-packets.test.ts fails with
 * that reason when a mysql2 upgrade changes these internals.
 */
import { createRequire } from 'node:module';

/** The slice of mysql2's reusable packet we read: the payload is `buffer[offset, end)`. */
export interface RowPacket {
  buffer: Buffer;
  offset: number;
  end: number;
  isEOF(): boolean;
}

/** A mysql2 command state: receives a packet, returns the next state (null when done). */
type State = (this: QueryCommand, packet: RowPacket, connection: unknown) => State | null;

/** The slice of mysql2's Query command we rely on. */
export interface QueryCommand {
  row: State;
  readField: State;
  fieldsEOF: State;
  on(event: 'fields', listener: (fields: unknown[]) => void): unknown;
}

/** The slice of mysql2's callback connection (what knex hands out) that runs a statement. */
export interface QueryingConnection {
  query(
    options: { sql: string; rowsAsArray: boolean; typeCast?: unknown },
    values: unknown[],
    callback: (error: Error | null, rows: unknown[][], fields: unknown[]) => void,
  ): unknown;
}

/** Receives one result set's rows as packet payloads: `bytes[start, end)`, valid during the call only. */
export interface RowPacketSink {
  /** The column definitions arrived (mysql2's ColumnDefinition objects). False: let mysql2 parse the rows. */
  fields(fields: unknown[]): boolean;
  row(bytes: Buffer, start: number, end: number): void;
}

export interface RowHookStatus {
  /** Statements take the packet path. */
  installed: boolean;
  /** The installed mysql2's version. */
  version: string;
  /** Why the packet path is off (the statements run on mysql2's own row parser). */
  reason?: string;
}

/** The mysql2 major versions whose Query internals this file was checked against (3.24.6). */
const SUPPORTED_MAJOR = 3;

let status: RowHookStatus | undefined;

/** Whether statements can take the packet path, and if not why (checked once per process). */
export function rowHook(): RowHookStatus {
  if (status) return status;
  let version = 'unknown';
  try {
    // mysql2's exports map publishes its package.json; resolve it from knex, whose client loads it.
    const fromKnex = createRequire(createRequire(import.meta.url).resolve('knex'));
    version = (fromKnex('mysql2/package.json') as { version: string }).version;
  } catch {
    // No mysql2 at all: the dialect cannot connect anyway.
  }
  const major = Number(version.split('.')[0]);
  status =
    major === SUPPORTED_MAJOR
      ? { installed: true, version }
      : {
          installed: false,
          version,
          reason: `mysql2 ${version} is not the ${SUPPORTED_MAJOR}.x this hook knows`,
        };
  return status;
}

/**
 * Turn the packet path off (or back on, when this mysql2 allows it) for the process: tests and
 * benchmarks compare it with mysql2's own parser.
 */
export function setRowHook(enabled: boolean): RowHookStatus {
  status = undefined;
  const found = rowHook();
  if (!enabled) status = { ...found, installed: false, reason: 'turned off by setRowHook(false)' };
  return rowHook();
}

/**
 * Why this command cannot be hooked, or undefined when it can. The check reads mysql2's own
 * fieldsEOF: the hook relies on it returning the instance's `row` (`return this.row`).
 */
export function unhookable(command: object): string | undefined {
  const c = command as Partial<QueryCommand>;
  if (typeof c.row !== 'function' || typeof c.readField !== 'function' || typeof c.fieldsEOF !== 'function')
    return "mysql2's Query has no row/readField/fieldsEOF states";
  if (typeof c.on !== 'function') return "mysql2's Query is not an EventEmitter";
  if (!/\breturn\s+this\.row\b/.test(Function.prototype.toString.call(c.fieldsEOF)))
    return "mysql2's Query.fieldsEOF no longer returns this.row";
  return undefined;
}

/**
 * Run `sql` with `values` on `connection`; the rows go to `sink` as packets (when the hook is
 * usable and the sink accepts the columns) or, as always, to `callback` as mysql2 rows. Returns
 * whether the packet path was taken for this statement.
 */
export function queryRowPackets(
  connection: QueryingConnection,
  options: { sql: string; rowsAsArray: true; typeCast?: unknown },
  values: unknown[],
  sink: RowPacketSink,
  callback: (error: Error | null, rows: unknown[][], fields: unknown[]) => void,
): boolean {
  const command = connection.query(options, values, callback) as object;
  if (!rowHook().installed) return false;
  const why = unhookable(command);
  if (why) {
    status = { ...rowHook(), installed: false, reason: why };
    return false;
  }
  hook(command as QueryCommand, sink);
  return true;
}

/**
 * Packets arrive on later socket reads, never during `connection.query()` (which at most sends the
 * statement), so the command is hooked before its first result packet.
 */
function hook(command: QueryCommand, sink: RowPacketSink): void {
  const stock = command.row;
  let accepted = false;
  let results = 0;
  command.on('fields', (fields) => {
    // A second result set (a CALL) is mysql2's to parse: our sink describes one.
    accepted = ++results === 1 && sink.fields(fields);
  });
  const row: State = function (this: QueryCommand, packet, connection) {
    if (!accepted || packet.isEOF()) return stock.call(this, packet, connection);
    sink.row(packet.buffer, packet.offset, packet.end);
    return row;
  };
  command.row = row;
}
