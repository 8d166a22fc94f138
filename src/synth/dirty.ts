/**
 * Dirty-data mode: injects exactly the defects a validator must catch, and reports every one.
 *
 * Each generated row (except reference tables) is defective with probability `dirtyRate`; a
 * defective row gets exactly one defect, chosen uniformly from its table's rules. A rule that
 * does not apply to the row (e.g. a duplicate rank on a primary diagnosis) injects nothing and
 * reports nothing, so the report always equals the data. Primary keys are never touched.
 *
 * Defect kinds:
 * - `null_required`: NULL in a column that is NOT NULL in the clean schema
 * - `future_date`: a date/timestamp about 75 years after the day being generated (time kept)
 * - `orphan_fk`: a reference to a row that does not exist (ids ≥ 4e15, codes not in the table)
 * - `duplicate_key`: patients.nric repeats an earlier patient's; (attendance_id, diagnosis_rank)
 *   repeats the previous diagnosis of the same attendance
 * - `out_of_range`: negative waiting time, fee, quantity or duration; triage 0/5/9; lab value
 *   999999 or -1; date of birth before 1890
 */
import type { CellValue, Row } from '../schema/column-types.js';
import { formatDate } from './calendar.js';
import { abnormalFlag } from './labs.js';
import { Rng } from './prng.js';
import { TABLES, type SourceTable } from './tables.js';

export type DefectKind = 'null_required' | 'future_date' | 'orphan_fk' | 'duplicate_key' | 'out_of_range';

/** One (table, column, kind) line of the report. */
export interface DefectEntry {
  table: SourceTable;
  /** The column whose value was altered. */
  column: string;
  kind: DefectKind;
  count: number;
  /** Primary keys of the altered rows, in generation order, at most {@link MAX_KEYS_PER_ENTRY}. */
  primaryKeys: number[];
}

export interface DirtyReport {
  rate: number;
  /** Total defective rows. */
  total: number;
  /** Sorted by table (SOURCE_TABLES order), column, kind. */
  entries: DefectEntry[];
}

export const MAX_KEYS_PER_ENTRY = 20;
/** Days added by `future_date` to the day being generated (about 75 years), plus up to 364. */
export const FUTURE_SHIFT_DAYS = 27_394;
export const ORPHAN_PATIENT_BASE = 4e15;
export const ORPHAN_ATTENDANCE_BASE = 5e15;
export const ORPHAN_ICD10_CODES = ['E11.90', 'J06', 'I10.0', 'Z99.9', 'E119'] as const;
export const ORPHAN_POLYCLINIC_CODES = ['AKM', 'WDX', 'TPL', 'ZZZ'] as const;

interface Ctx {
  rng: Rng;
  /** The day being generated (day number); future dates are placed about 75 years after it. */
  refDay: number;
  orphanId(base: number): number;
  lastCleanNric: string | null;
  prevDiagnosis: { attendanceId: CellValue; rank: CellValue; clean: boolean } | null;
}

interface Rule {
  column: string;
  kind: DefectKind;
  /** Alters the row in place; false when the rule does not apply to this row. */
  apply(row: Row, i: number, ctx: Ctx): boolean;
}

const futureDate = (v: string, ctx: Ctx): string =>
  formatDate(ctx.refDay + FUTURE_SHIFT_DAYS + ctx.rng.int(0, 364)) + v.slice(10);

const nul = (column: string): Rule => ({
  column,
  kind: 'null_required',
  apply: (row, i) => {
    row[i] = null;
    return true;
  },
});
const future = (column: string): Rule => ({
  column,
  kind: 'future_date',
  apply: (row, i, ctx) => {
    const v = row[i];
    if (typeof v !== 'string') return false;
    row[i] = futureDate(v, ctx);
    return true;
  },
});
const orphanId = (column: string, base: number): Rule => ({
  column,
  kind: 'orphan_fk',
  apply: (row, i, ctx) => {
    row[i] = ctx.orphanId(base);
    return true;
  },
});
const orphanCode = (column: string, codes: readonly string[]): Rule => ({
  column,
  kind: 'orphan_fk',
  apply: (row, i, ctx) => {
    row[i] = ctx.rng.pick(codes);
    return true;
  },
});
/** Negative value: integers negated (or -fallback when 0/NULL), decimal strings prefixed with '-'. */
const negate = (column: string, fallback: string | number): Rule => ({
  column,
  kind: 'out_of_range',
  apply: (row, i) => {
    const v = row[i];
    if (typeof fallback === 'number') row[i] = typeof v === 'number' && v > 0 ? -v : -fallback;
    else row[i] = typeof v === 'string' && v !== '0.00' && !v.startsWith('-') ? `-${v}` : `-${fallback}`;
    return true;
  },
});

const RULES: Record<SourceTable, Rule[]> = {
  polyclinics: [],
  conditions: [],
  patients: [
    {
      column: 'nric',
      kind: 'duplicate_key',
      apply: (row, i, ctx) => {
        if (ctx.lastCleanNric === null) return false;
        row[i] = ctx.lastCleanNric;
        return true;
      },
    },
    nul('date_of_birth'),
    nul('sex'),
    future('date_of_birth'),
    {
      column: 'date_of_birth',
      kind: 'out_of_range',
      apply: (row, i, ctx) => {
        row[i] = `18${ctx.rng.int(50, 89)}-0${ctx.rng.int(1, 9)}-1${ctx.rng.int(0, 9)}`;
        return true;
      },
    },
  ],
  attendances: [
    orphanId('patient_id', ORPHAN_PATIENT_BASE),
    orphanCode('polyclinic_code', ORPHAN_POLYCLINIC_CODES),
    nul('polyclinic_code'),
    nul('visit_date'),
    future('visit_date'),
    {
      column: 'triage_category',
      kind: 'out_of_range',
      apply: (row, i, ctx) => {
        row[i] = ctx.rng.pick([0, 5, 9]);
        return true;
      },
    },
    negate('waiting_time_min', 15),
    negate('consultation_fee', '13.50'),
  ],
  diagnoses: [
    orphanId('attendance_id', ORPHAN_ATTENDANCE_BASE),
    orphanCode('icd10_code', ORPHAN_ICD10_CODES),
    nul('icd10_code'),
    {
      column: 'diagnosis_rank',
      kind: 'duplicate_key',
      apply: (row, i, ctx) => {
        const prev = ctx.prevDiagnosis;
        if (!prev?.clean || prev.attendanceId !== row[1] || typeof row[i] !== 'number' || row[i] < 2)
          return false;
        row[i] = prev.rank;
        return true;
      },
    },
  ],
  procedures: [
    orphanId('attendance_id', ORPHAN_ATTENDANCE_BASE),
    nul('procedure_name'),
    future('performed_at'),
    negate('fee', '8.90'),
  ],
  medications: [
    orphanId('attendance_id', ORPHAN_ATTENDANCE_BASE),
    nul('drug_name'),
    negate('quantity', 10),
    negate('duration_days', 5),
  ],
  lab_results: [
    orphanId('attendance_id', ORPHAN_ATTENDANCE_BASE),
    orphanId('patient_id', ORPHAN_PATIENT_BASE),
    nul('test_code'),
    nul('unit'),
    future('collected_at'),
    {
      column: 'result_value',
      kind: 'out_of_range',
      apply: (row, i, ctx) => {
        const v = ctx.rng.chance(0.7) ? 999999 : -1;
        row[i] = v.toFixed(4);
        const low = row[i + 2];
        const high = row[i + 3];
        row[i + 4] = abnormalFlag(v, low == null ? null : Number(low), high == null ? null : Number(high));
        return true;
      },
    },
  ],
};

/** Columns that may hold NULL in dirty mode even though the clean schema says NOT NULL. */
export function dirtyNullableColumns(table: SourceTable): Set<string> {
  return new Set(RULES[table].filter((r) => r.kind === 'null_required').map((r) => r.column));
}

const indexes = new Map<string, number>();
function columnIndex(table: SourceTable, column: string): number {
  const key = `${table}.${column}`;
  let i = indexes.get(key);
  if (i === undefined) {
    i = TABLES[table].columns.findIndex((c) => c.name === column);
    if (i < 0) throw new Error(`dirty rule refers to unknown column ${key}`);
    indexes.set(key, i);
  }
  return i;
}

/** Accumulates defects across segments (the initial population and each day). */
export class DirtyLedger {
  private readonly map = new Map<string, DefectEntry>();
  total = 0;

  constructor(readonly rate: number) {}

  record(table: SourceTable, column: string, kind: DefectKind, pk: number): void {
    const key = `${table}\u0000${column}\u0000${kind}`;
    let e = this.map.get(key);
    if (!e) this.map.set(key, (e = { table, column, kind, count: 0, primaryKeys: [] }));
    e.count++;
    this.total++;
    if (e.primaryKeys.length < MAX_KEYS_PER_ENTRY) e.primaryKeys.push(pk);
  }

  report(): DirtyReport {
    const order = Object.keys(TABLES);
    const entries = [...this.map.values()].map((e) => ({ ...e, primaryKeys: [...e.primaryKeys] }));
    entries.sort(
      (a, b) =>
        order.indexOf(a.table) - order.indexOf(b.table) ||
        a.column.localeCompare(b.column) ||
        a.kind.localeCompare(b.kind),
    );
    return { rate: this.rate, total: this.total, entries };
  }
}

/** Injects defects into one segment's rows; deterministic in (seed, segment). */
export class DefectInjector {
  private readonly ctx: Ctx;

  constructor(
    private readonly ledger: DirtyLedger,
    seed: number,
    segment: number,
    refDay: number,
  ) {
    let seq = 0;
    this.ctx = {
      rng: Rng.of(seed, 'dirty', segment),
      refDay,
      orphanId: (base) => base + (segment + 1) * 1e8 + seq++,
      lastCleanNric: null,
      prevDiagnosis: null,
    };
  }

  /** May alter the row in place (one defect at most) and records what it did. */
  visit(table: SourceTable, row: Row): void {
    const rules = RULES[table];
    if (rules.length === 0) return;
    const ctx = this.ctx;
    let applied: Rule | null = null;
    if (ctx.rng.next() < this.ledger.rate) {
      const rule = rules[Math.floor(ctx.rng.next() * rules.length)]!;
      if (rule.apply(row, columnIndex(table, rule.column), ctx)) applied = rule;
    }
    if (applied) this.ledger.record(table, applied.column, applied.kind, row[0] as number);
    if (table === 'patients' && !applied) ctx.lastCleanNric = row[1] as string;
    if (table === 'diagnoses')
      ctx.prevDiagnosis = { attendanceId: row[1] ?? null, rank: row[3] ?? null, clean: !applied };
  }
}
