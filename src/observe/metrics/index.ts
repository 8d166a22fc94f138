/** Run metrics, the Prometheus textfile and job status: what `cli/` and library users import. */
export {
  metricsListener,
  type MetricsListener,
  type MetricsOptions,
  type MetricsOutcome,
} from './collector.js';
export {
  buildRunMetrics,
  METRICS_VERSION,
  type RunMetrics,
  type SourceMetrics,
  type PhaseMetrics,
} from './run-metrics.js';
export { resourceBaseline, resourcesSince, type ResourceBaseline, type RunResources } from './resources.js';
export { digestOf, INDEX_NAME, readRunDigests, type RunDigest } from './history.js';
export {
  DEFAULT_SUCCESS_WINDOW,
  prometheusState,
  scheduleRatios,
  type PrometheusState,
  type ScheduleState,
  type SeriesState,
} from './state.js';
export { escapeLabelValue, renderPrometheus } from './prometheus.js';
export { TEXTFILE_MODE, updateTextfile, writeTextfile, type TextfileOptions } from './textfile.js';
export { jobStatus, type JobStatus, type JobStatusOptions } from './job-status.js';
export {
  schedulerMetrics,
  type SchedulerMetrics,
  type SchedulerMetricsOptions,
} from './scheduler-listener.js';
