/**
 * The RowValidator of one source's configured checks, built the same way whether `validate` streams
 * the rows itself or `run` feeds it the batches it writes: the same compiled plans (so the same
 * check ids), sample size, masking, "now" and time zone.
 */
import type { LoadedConfig } from '../../config/load.js';
import type { ColumnSpec } from '../../schema/column-types.js';
import { checksAt, compileChecks } from '../compile.js';
import { maskedColumns, masker } from '../mask.js';
import { RowValidator } from './validator.js';

export function sourceRowValidator(
  loaded: LoadedConfig,
  name: string,
  columns: readonly ColumnSpec[],
  now: Date,
): RowValidator {
  const { config } = loaded;
  const settings = config.validation;
  // Increment scope only: dataset-scope checks never see the extracted rows.
  const plans = compileChecks(checksAt(settings, name, 'increment'), columns);
  return new RowValidator(plans, columns, {
    sampleRows: settings.sample_rows,
    mask: masker(
      maskedColumns(
        settings.mask_columns,
        config.sources[name]!.pii_columns,
        columns.map((c) => c.name),
      ),
    ),
    now,
    timeZone: settings.timezone ?? config.extraction.timezone,
  });
}
