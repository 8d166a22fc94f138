/**
 * The `_moh_demo_meta` table: generator state as text key/value pairs, read by `advanceDemo` to
 * continue a database exactly where it stopped.
 *
 * Keys: generator ("moh-etl synth"), format_version ("1"), seed, scale, start_date, end_date
 * (last generated day), days_generated, dirty_rate, next_patient_id, next_attendance_id,
 * next_diagnosis_id, next_procedure_id, next_medication_id, next_lab_result_id.
 */
import { formatDate, parseDate } from './calendar.js';
import { META_TABLE, quoteIdent } from './ddl.js';
import type { NextIds } from './encounters.js';
import type { SynthState } from './generator.js';
import type { DemoStore } from './store.js';

export const META_FORMAT_VERSION = '1';
const ID_KEYS = [
  'patient_id',
  'attendance_id',
  'diagnosis_id',
  'procedure_id',
  'medication_id',
  'lab_result_id',
] as const satisfies readonly (keyof NextIds)[];

export function stateToMeta(state: SynthState): [string, string][] {
  const entries: [string, string][] = [
    ['generator', 'moh-etl synth'],
    ['format_version', META_FORMAT_VERSION],
    ['seed', String(state.seed)],
    ['scale', String(state.scale)],
    ['start_date', state.startDate],
    ['end_date', formatDate(parseDate(state.startDate) + state.daysGenerated - 1)],
    ['days_generated', String(state.daysGenerated)],
    ['dirty_rate', String(state.dirtyRate)],
  ];
  for (const k of ID_KEYS) entries.push([`next_${k}`, String(state.nextIds[k])]);
  return entries;
}

/** Parses the meta entries; throws a plain Error naming what is missing or malformed. */
export function metaToState(meta: ReadonlyMap<string, string>): SynthState {
  if (meta.size === 0) {
    throw new Error(
      `not a demo database: ${META_TABLE} is empty or missing; create it with createDemoDatabase first`,
    );
  }
  if (meta.get('format_version') !== META_FORMAT_VERSION) {
    throw new Error(`${META_TABLE}: unsupported format_version "${meta.get('format_version') ?? ''}"`);
  }
  const get = (key: string): string => {
    const v = meta.get(key);
    if (v === undefined) throw new Error(`${META_TABLE} has no "${key}" entry; recreate the demo database`);
    return v;
  };
  const num = (key: string, integer: boolean): number => {
    const n = Number(get(key));
    if (!Number.isFinite(n) || (integer && !Number.isSafeInteger(n))) {
      throw new Error(`${META_TABLE}: "${key}" is not a valid number ("${get(key)}")`);
    }
    return n;
  };
  const startDate = get('start_date');
  parseDate(startDate);
  const nextIds = Object.fromEntries(ID_KEYS.map((k) => [k, num(`next_${k}`, true)])) as unknown as NextIds;
  return {
    seed: num('seed', true),
    scale: num('scale', false),
    startDate,
    dirtyRate: num('dirty_rate', false),
    daysGenerated: num('days_generated', true),
    nextIds,
  };
}

export async function readMeta(store: DemoStore): Promise<Map<string, string>> {
  const q = (n: string): string => quoteIdent(store.dialect, n);
  let rows: Record<string, unknown>[];
  try {
    rows = await store.query(`SELECT ${q('key')} AS k, ${q('value')} AS v FROM ${q(META_TABLE)}`);
  } catch (e) {
    throw new Error(
      `not a demo database: cannot read ${META_TABLE} (${e instanceof Error ? e.message : String(e)})`,
      {
        cause: e,
      },
    );
  }
  return new Map(rows.map((r) => [String(r.k), String(r.v)]));
}

export async function writeMeta(store: DemoStore, state: SynthState): Promise<void> {
  const q = (n: string): string => quoteIdent(store.dialect, n);
  await store.run(`DELETE FROM ${q(META_TABLE)}`);
  for (const [k, v] of stateToMeta(state)) {
    await store.run(
      `INSERT INTO ${q(META_TABLE)} (${q('key')}, ${q('value')}) VALUES (${store.param(1)}, ${store.param(2)})`,
      [k, v],
    );
  }
}
