/** Driver messages that quote a secret are scrubbed on their way to run summaries and the console. */
import { readFileSync } from 'node:fs';
import { expect, it, vi } from 'vitest';
import { stdout } from '../../../src/cli/print.js';
import { registerSecretValue } from '../../../src/config/secret.js';
import { saveSummary } from '../../../src/pipeline/summary.js';
import { tempDir } from '../../helpers/databases.js';

const CANARY = 'Canary-summary-91c2';

it('a registered secret in an error message reaches neither the summary file nor stdout', async () => {
  registerSecretValue(CANARY);
  const dir = await tempDir('moh-etl-summary-');
  const error = `connect failed for postgres://reader:${CANARY}@db:5432/clinical`;
  const file = await saveSummary(dir.path, {
    run_id: 'r1',
    command: 'extract',
    status: 'failed',
    started_at: '2026-01-01T00:00:00Z',
    finished_at: '2026-01-01T00:00:01Z',
    sources: [{ source: 'a', status: 'failed', mode: 'full', rows: 0, files: [], duration_ms: 1, error }],
  });
  const saved = readFileSync(file, 'utf8');
  expect(saved).not.toContain(CANARY);
  expect(saved).toContain('postgres://reader:***@db:5432/clinical');

  const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  try {
    stdout(`error: a: ${error}`);
    expect(String(write.mock.calls[0]?.[0])).toBe(
      'error: a: connect failed for postgres://reader:***@db:5432/clinical\n',
    );
  } finally {
    write.mockRestore();
  }
});
