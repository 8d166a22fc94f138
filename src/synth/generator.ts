/**
 * The streaming generator: reference tables, the registered population, then one day at a time.
 * Rows are produced in chunks of at most `maxChunkRows`, parents before children (an
 * attendances chunk always precedes the chunks holding its diagnoses, procedures, medications
 * and lab results; a new patient's row precedes their first attendance), so a loader may write
 * chunks in stream order. Memory stays bounded by one chunk per table plus the population's
 * profile arrays (about 25 bytes per patient).
 */
import type { Row } from '../schema/column-types.js';
import {
  dayOfWeek,
  formatDate,
  formatUtc,
  isPublicHoliday,
  localToUtc,
  parseDate,
  US_PER_DAY,
  US_PER_HOUR,
  US_PER_MINUTE,
  US_PER_SECOND,
} from './calendar.js';
import { DefectInjector, type DirtyLedger } from './dirty.js';
import { emitAttendance, type NextIds } from './encounters.js';
import { historicRegistration, patientRow, Population } from './population.js';
import { Rng, Weighted } from './prng.js';
import { CONDITIONS, POLYCLINICS } from './reference.js';
import { SOURCE_TABLES, type SourceTable } from './tables.js';

/** One chunk of generated rows, in TABLES[table].columns order. */
export interface SynthChunk {
  table: SourceTable;
  rows: Row[];
  /** Day index within the timeline (0 = start date), or null for reference data and the initial population. */
  day: number | null;
  /** The calendar date of `day` (YYYY-MM-DD), or null. */
  date: string | null;
}

/** Everything needed to continue a timeline exactly; persisted in `_moh_demo_meta`. */
export interface SynthState {
  seed: number;
  scale: number;
  startDate: string;
  dirtyRate: number;
  /** Days 0 .. daysGenerated-1 exist. */
  daysGenerated: number;
  nextIds: NextIds;
}

/** Weekday attendances at scale 1 (Monday to Friday average; Saturday is a half day, Sunday closed). */
export const WEEKDAY_ATTENDANCES = 25_000;
/** Registered patients before the timeline starts, at scale 1. */
export const PATIENTS_PER_SCALE = 250_000;
/** Share of attendances that are a new patient's first visit. */
export const NEW_PATIENT_RATE = 0.012;
const DOW_FACTOR = [0, 1.12, 1.03, 0.98, 0.97, 0.9, 0.45] as const;
// Arrivals per half hour from 08:00; the last registration is at 16:30 (12:30 on Saturdays).
const WEEKDAY_SLOTS = cumulative([10, 12, 11, 9, 8, 7, 5, 4, 5, 6, 6, 6, 5, 5, 4, 3, 2]);
const SATURDAY_SLOTS = cumulative([10, 12, 11, 9, 8, 7, 5, 4, 3]);

function cumulative(weights: number[]): Float64Array {
  const total = weights.reduce((a, b) => a + b, 0);
  const out = new Float64Array(weights.length);
  let sum = 0;
  weights.forEach((w, i) => (out[i] = sum += w / total));
  return out;
}

/** Attendances on a day: 0 on Sundays and public holidays, otherwise ~25,000 × scale × weekday factor. */
export function attendanceCount(seed: number, day: number, scale: number): number {
  const dow = dayOfWeek(day);
  if (dow === 0 || isPublicHoliday(day)) return 0;
  let factor: number = DOW_FACTOR[dow]!;
  if (isPublicHoliday(day - 1) || (dow === 1 && isPublicHoliday(day - 2))) factor *= 1.12;
  const noise = 1 + (Rng.of(seed, 'volume', day).next() - 0.5) * 0.08;
  return Math.round(WEEKDAY_ATTENDANCES * scale * factor * noise);
}

export function initialPatients(scale: number): number {
  return Math.max(50, Math.round(PATIENTS_PER_SCALE * scale));
}

/** Offset from local midnight (µs, millisecond precision) for quantile u of the day's arrivals. */
function arrivalOffset(u: number, slots: Float64Array): number {
  let k = 0;
  while (k < slots.length - 1 && slots[k]! <= u) k++;
  const prev = k === 0 ? 0 : slots[k - 1]!;
  const frac = Math.min(1, Math.max(0, (u - prev) / (slots[k]! - prev)));
  return 8 * US_PER_HOUR + Math.floor((k + frac) * 1_800_000) * 1000;
}

class Buffers {
  private readonly rows = new Map<SourceTable, Row[]>(SOURCE_TABLES.map((t) => [t, []]));
  constructor(
    private readonly day: number | null,
    private readonly date: string | null,
  ) {}
  push(table: SourceTable, row: Row): void {
    this.rows.get(table)!.push(row);
  }
  size(table: SourceTable): number {
    return this.rows.get(table)!.length;
  }
  largest(): number {
    let n = 0;
    for (const rows of this.rows.values()) n = Math.max(n, rows.length);
    return n;
  }
  *flush(): Generator<SynthChunk> {
    for (const table of SOURCE_TABLES) {
      const rows = this.rows.get(table)!;
      if (rows.length === 0) continue;
      this.rows.set(table, []);
      yield { table, rows, day: this.day, date: this.date };
    }
  }
}

export interface GeneratorContext {
  state: SynthState;
  pop: Population;
  ledger: DirtyLedger | null;
  counts: Record<SourceTable, number>;
  maxChunkRows: number;
}

/** Reference tables and the population registered before the timeline. */
export function* generateInitial(ctx: GeneratorContext): Generator<SynthChunk> {
  const { state, pop } = ctx;
  const startDay = parseDate(state.startDate);
  const rng = Rng.of(state.seed, 'reference');
  const before = (day: number): number => Math.min(day, startDay - 30);
  const polyclinics: Row[] = POLYCLINICS.map((pc, i) => {
    const opened = pc.openedDate ? parseDate(pc.openedDate) : parseDate('2012-04-02');
    const created =
      localToUtc(before(Math.max(opened - 14, parseDate('2012-04-02'))) * US_PER_DAY) +
      (9 * 60 + i) * US_PER_MINUTE;
    const updated =
      i % 3 === 0
        ? Math.max(created, localToUtc((startDay - rng.int(31, 400)) * US_PER_DAY) + 10 * US_PER_HOUR)
        : created;
    return [
      pc.code,
      pc.name,
      pc.region,
      pc.cluster,
      pc.postalCode,
      pc.openedDate,
      true,
      formatUtc(created),
      formatUtc(updated),
    ];
  });
  const conditions: Row[] = CONDITIONS.map((c, i) => {
    const created =
      localToUtc(before(parseDate('2012-04-02')) * US_PER_DAY) + 9 * US_PER_HOUR + i * US_PER_SECOND;
    const revised = rng.chance(0.1);
    const updated = revised
      ? Math.max(created, localToUtc((startDay - rng.int(31, 900)) * US_PER_DAY) + 15 * US_PER_HOUR)
      : created;
    return [c.code, c.description, c.category, c.chronic, formatUtc(created), formatUtc(updated)];
  });
  ctx.counts.polyclinics += polyclinics.length;
  ctx.counts.conditions += conditions.length;
  yield { table: 'polyclinics', rows: polyclinics, day: null, date: null };
  yield { table: 'conditions', rows: conditions, day: null, date: null };

  const injector = ctx.ledger ? new DefectInjector(ctx.ledger, state.seed, -1, startDay) : null;
  const target = initialPatients(state.scale);
  let rows: Row[] = [];
  while (pop.size < target) {
    const { id, profile, nric, rng: prng } = pop.register();
    const [created, updated] = historicRegistration(prng, profile, startDay);
    const row = patientRow(id, profile, nric, created, updated);
    injector?.visit('patients', row);
    rows.push(row);
    if (rows.length >= ctx.maxChunkRows) {
      ctx.counts.patients += rows.length;
      yield { table: 'patients', rows, day: null, date: null };
      rows = [];
    }
  }
  ctx.counts.patients += rows.length;
  if (rows.length > 0) yield { table: 'patients', rows, day: null, date: null };
  state.nextIds.patient_id = pop.size + 1;
}

/** One day of the timeline (day index `dayIndex`); advances `ctx.state`. */
export function* generateDay(
  ctx: GeneratorContext,
  dayIndex: number,
  blockSize = 2_000,
): Generator<SynthChunk> {
  const { state, pop } = ctx;
  const day = parseDate(state.startDate) + dayIndex;
  const date = formatDate(day);
  const n = attendanceCount(state.seed, day, state.scale);
  const rng = Rng.of(state.seed, 'day', dayIndex);
  const injector = ctx.ledger ? new DefectInjector(ctx.ledger, state.seed, dayIndex, day) : null;
  const buffers = new Buffers(dayIndex, date);
  const emit = (table: SourceTable, row: Row): void => {
    injector?.visit(table, row);
    buffers.push(table, row);
    ctx.counts[table]++;
  };
  const openIdx = POLYCLINICS.map((pc, i) =>
    pc.openedDate === null || parseDate(pc.openedDate) <= day ? i : -1,
  ).filter((i) => i >= 0);
  const open = new Set(openIdx);
  const anyOpen = new Weighted<number>(openIdx.map((i) => [i, POLYCLINICS[i]!.weight] as const));
  const slots = dayOfWeek(day) === 6 ? SATURDAY_SLOTS : WEEKDAY_SLOTS;
  const endOfDayUtc = localToUtc((day + 1) * US_PER_DAY) - 1;
  const limit = Math.max(64, ctx.maxChunkRows - 32);

  let u = 0;
  for (let i = 0; i < n; i++) {
    // Sorted uniforms by successive order statistics: arrivals (and ids) increase through the day.
    u = 1 - (1 - u) * Math.pow(1 - rng.next(), 1 / (n - i));
    const arrival = day * US_PER_DAY + arrivalOffset(u, slots);
    let patientId: number;
    const isNew = rng.chance(NEW_PATIENT_RATE);
    if (isNew) {
      const reg = pop.register();
      patientId = reg.id;
      const created = localToUtc(arrival) - rng.int(60, 600) * US_PER_SECOND - rng.int(0, 999_999);
      const updated = rng.chance(0.08)
        ? Math.min(endOfDayUtc, created + rng.int(30, 480) * US_PER_MINUTE)
        : created;
      emit('patients', patientRow(patientId, reg.profile, reg.nric, created, updated));
    } else {
      do patientId = 1 + Math.floor(rng.next() * pop.size);
      while (rng.next() >= pop.propensity[patientId]!);
    }
    const home = pop.home[patientId]!;
    const pc = home >= 0 && open.has(home) && rng.chance(0.9) ? home : anyOpen.pick(rng);
    emitAttendance(rng, pop, state.nextIds, patientId, POLYCLINICS[pc]!.code, day, arrival, isNew, emit);
    if (buffers.size('attendances') >= blockSize || buffers.largest() >= limit) yield* buffers.flush();
  }
  yield* buffers.flush();
  state.nextIds.patient_id = pop.size + 1;
  state.daysGenerated = Math.max(state.daysGenerated, dayIndex + 1);
}
