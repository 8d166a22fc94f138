/**
 * The attendances query the benchmarks measure: the table's own columns, as the database's client
 * exports them (`\copy (SELECT * FROM attendances)`). The shipped template joins the patient's date
 * of birth for the transform's age at visit; a benchmark compares like with like.
 */
export const BENCH_ATTENDANCES_SQL = `SELECT attendance_id, patient_id, polyclinic_code, visit_date, arrival_time, visit_type,
       triage_category, waiting_time_min, consultation_fee, created_at, updated_at
  FROM attendances`;
